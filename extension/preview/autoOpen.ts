/**
 * With `seglab.preview.defaultForDatasetImages` on, an image of a configured dataset folder that opens in VS Code's
 * image viewer is reopened in the SegLab Preview instead (a custom editor's "option" priority cannot depend on the
 * folder, so the switch happens here).
 */
import * as vscode from 'vscode';
import { loadConfig } from '../../server/config/load';
import { findConfigs } from '../workspaceConfig';
import { datasetImageFolders, isInFolders } from './datasetFolders';
import { isImagePath } from './hoverText';
import { PREVIEW_VIEW_TYPE } from './previewEditor';

export const DEFAULT_FOR_DATASET_IMAGES = 'preview.defaultForDatasetImages';
/** VS Code's built-in image viewer. */
const IMAGE_PREVIEW_VIEW_TYPE = 'imagePreview.previewEditor';

export class DatasetImageRedirect implements vscode.Disposable {
  private folders: Promise<string[]> | null = null;
  private _disposables: vscode.Disposable[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {
    const configs = vscode.workspace.createFileSystemWatcher('**/seglab.json');
    const forget = () => (this.folders = null);
    this._disposables.push(
      configs,
      configs.onDidChange(forget),
      configs.onDidCreate(forget),
      configs.onDidDelete(forget),
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of e.opened) void this.maybeRedirect(tab);
      }),
    );
  }

  private enabled(): boolean {
    return vscode.workspace.getConfiguration('seglab').get<boolean>(DEFAULT_FOR_DATASET_IMAGES) === true;
  }

  private datasetFolders(): Promise<string[]> {
    this.folders ??= (async () => {
      const out: string[] = [];
      for (const uri of await findConfigs()) {
        try {
          out.push(...datasetImageFolders(loadConfig(uri.fsPath).data));
        } catch {
          // An invalid config is reported when the user trains; it names no folders here.
        }
      }
      return out;
    })();
    return this.folders;
  }

  private async maybeRedirect(tab: vscode.Tab): Promise<void> {
    const input = tab.input;
    if (!this.enabled() || !(input instanceof vscode.TabInputCustom) || input.viewType !== IMAGE_PREVIEW_VIEW_TYPE) return;
    if (input.uri.scheme !== 'file' || !isImagePath(input.uri.fsPath) || !isInFolders(input.uri.fsPath, await this.datasetFolders())) return;
    try {
      await vscode.commands.executeCommand('vscode.openWith', input.uri, PREVIEW_VIEW_TYPE, tab.group.viewColumn);
      await vscode.window.tabGroups.close(tab);
    } catch (err) {
      this.log.warn(`preview: could not reopen ${input.uri.fsPath} in the SegLab Preview: ${(err as Error).message}`);
    }
  }

  dispose(): void {
    for (const d of this._disposables) d.dispose();
    this._disposables = [];
  }
}
