/**
 * Prediction previews in the editor, as one part of the extension: the SegLab Preview custom editor, image-path
 * hovers, the Predict on Active Image / Predict Folder… commands, and the optional switch of dataset images to
 * the preview. `activate` constructs one and pushes it onto `context.subscriptions`.
 */
import * as vscode from 'vscode';
import type { Supervisor } from '../supervisor';
import type { SeglabSettings } from '../settings';
import { DatasetImageRedirect } from './autoOpen';
import { PreviewHoverProvider } from './hover';
import { registerPreviewCommands } from './previewCommands';
import { PreviewEditorProvider } from './previewEditor';
import { PreviewHost } from './previewHost';

export class Previews implements vscode.Disposable {
  private _disposables: vscode.Disposable[] = [];

  constructor(context: vscode.ExtensionContext, supervisor: Supervisor, settings: () => SeglabSettings) {
    const host = new PreviewHost(supervisor, settings, context.workspaceState);
    const editor = new PreviewEditorProvider(context.extensionUri, host);
    this._disposables.push(
      editor,
      editor.register(),
      new PreviewHoverProvider(host).register(),
      ...registerPreviewCommands(host, settings),
      new DatasetImageRedirect(supervisor.log),
    );
  }

  dispose(): void {
    for (const d of this._disposables) d.dispose();
    this._disposables = [];
  }
}
