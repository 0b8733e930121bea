/**
 * Hovering an image path in JSON, TypeScript, JavaScript, Python or Markdown shows a thumbnail of the prediction
 * overlay (written by the server into the run's preview cache, linked by file URI) and the classes present.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PreviewHost } from './previewHost';
import { hoverMarkdown, imagePathAt, resolveImagePath, thumbnailWidth } from './hoverText';
import { shortLabel } from './modelChoices';

export const HOVER_LANGUAGES = ['json', 'jsonc', 'typescript', 'javascript', 'python', 'markdown'];
/** Longest side of the hover thumbnail, pixels. */
export const THUMBNAIL_SIDE = 256;
/** The command the hover's link runs (opens the SegLab Preview of an image URI). */
export const OPEN_PREVIEW_COMMAND = 'seglab.openPreview';

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export class PreviewHoverProvider implements vscode.HoverProvider {
  constructor(private readonly host: PreviewHost) {}

  /** Registers the provider for the supported languages (files and untitled documents). */
  register(): vscode.Disposable {
    return vscode.languages.registerHoverProvider(HOVER_LANGUAGES.map((language) => ({ language })), this);
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const hit = imagePathAt(document.lineAt(position.line).text, position.character);
    if (!hit) return undefined;
    const docDir = document.uri.scheme === 'file' ? path.dirname(document.uri.fsPath) : null;
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const file = resolveImagePath(hit.text, docDir, roots, isFile);
    if (!file) return undefined;
    const model = await this.host.defaultModel();
    if (!model || token.isCancellationRequested) return undefined;
    const range = new vscode.Range(position.line, hit.start, position.line, hit.end);
    let md: vscode.MarkdownString;
    try {
      const result = await this.host.preview({ imagePath: file, runDir: model.runDir, checkpoint: model.checkpoint, thumbnailSide: THUMBNAIL_SIDE });
      if (!result.thumbnailPath) return undefined;
      const open = `command:${OPEN_PREVIEW_COMMAND}?${encodeURIComponent(JSON.stringify([vscode.Uri.file(file).toJSON()]))}`;
      md = new vscode.MarkdownString(
        hoverMarkdown({
          result,
          thumbnailUri: vscode.Uri.file(result.thumbnailPath).toString(),
          modelLabel: shortLabel(model),
          openCommandUri: open,
          width: thumbnailWidth(result.width, result.height, THUMBNAIL_SIDE),
        }),
      );
      // Only the link to our own command is trusted; no HTML is needed (the width is Markdown's |width= form).
      md.isTrusted = { enabledCommands: [OPEN_PREVIEW_COMMAND] };
      md.supportHtml = false;
    } catch (err) {
      md = new vscode.MarkdownString();
      md.appendText(`SegLab: no prediction for ${path.basename(file)} (${(err as Error).message})`);
    }
    return new vscode.Hover(md, range);
  }
}
