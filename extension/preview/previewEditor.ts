/**
 * The "SegLab Preview" custom editor (view type `seglab.preview`) for images: a read-only document per file and a
 * {@link PreviewPanel} per editor. Offered by "Open With…" (priority "option") and the explorer context menu.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { makeNonce } from '../dashboardHtml';
import { previewHtml } from './previewHtml';
import type { PreviewHost } from './previewHost';
import { PreviewPanel } from './previewPanel';

export const PREVIEW_VIEW_TYPE = 'seglab.preview';

export class PreviewEditorProvider implements vscode.CustomReadonlyEditorProvider<vscode.CustomDocument> {
  private readonly panels = new Set<PreviewPanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: PreviewHost,
  ) {}

  /** Registers the provider; one editor per tab, several may show the same image. */
  register(): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(PREVIEW_VIEW_TYPE, this, { supportsMultipleEditorsPerDocument: true });
  }

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  resolveCustomEditor(document: vscode.CustomDocument, webviewPanel: vscode.WebviewPanel): void {
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    webviewPanel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    const uri = (f: string) => webviewPanel.webview.asWebviewUri(vscode.Uri.joinPath(media, f)).toString();
    webviewPanel.webview.html = previewHtml({
      cspSource: webviewPanel.webview.cspSource,
      nonce: makeNonce(),
      script: uri('preview.js'),
      style: uri('preview.css'),
      title: path.basename(document.uri.fsPath),
    });
    const panel = new PreviewPanel(document.uri, webviewPanel, this.host);
    this.panels.add(panel);
    webviewPanel.onDidDispose(() => {
      this.panels.delete(panel);
      panel.dispose();
    });
  }

  dispose(): void {
    for (const p of this.panels) p.dispose();
    this.panels.clear();
  }
}
