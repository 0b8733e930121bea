/**
 * One open SegLab Preview editor: answers its page (media/preview.js), predicts the image with the chosen model,
 * and predicts again when that run writes a new checkpoint or the image file changes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FromPreview, isFromPreview, PreviewModelChoice, ToPreview } from '../../server/protocol';
import type { PreviewHost } from './previewHost';
import { shortLabel } from './modelChoices';

/** Wait after the last file event before predicting again (a checkpoint swap is several renames). */
const SETTLE_MS = 400;

export class PreviewPanel implements vscode.Disposable {
  private _disposables: vscode.Disposable[] = [];
  private choice: PreviewModelChoice | null = null;
  private models: PreviewModelChoice[] = [];
  private runWatcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** Counts requests, so an older answer never replaces a newer one. */
  private generation = 0;

  constructor(
    private readonly image: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    private readonly host: PreviewHost,
  ) {
    const imageWatcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(image.fsPath)), path.basename(image.fsPath)));
    this._disposables.push(
      imageWatcher,
      imageWatcher.onDidChange(() => this.schedule()),
      imageWatcher.onDidCreate(() => this.schedule()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
    );
  }

  private post(m: ToPreview): void {
    void this.panel.webview.postMessage(m);
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isFromPreview(m)) {
      this.host.log.warn(`preview page sent an unknown message: ${JSON.stringify(m).slice(0, 200)}`);
      return;
    }
    const msg: FromPreview = m;
    if (msg.type === 'ready' || msg.type === 'refresh') {
      await this.sendModels(msg.type === 'refresh');
      return this.predict();
    }
    const picked = this.models.find((c) => c.runDir === msg.runDir && c.checkpoint === msg.checkpoint);
    if (!picked) return;
    this.host.remember(picked);
    this.use(picked);
    return this.predict();
  }

  private async sendModels(fresh: boolean): Promise<void> {
    try {
      this.models = await this.host.models(fresh);
      const keep = this.choice && this.models.find((c) => c.runDir === this.choice?.runDir && c.checkpoint === this.choice.checkpoint);
      this.use(keep || (await this.host.defaultModel()));
    } catch (err) {
      this.models = [];
      this.host.log.warn(`preview: could not list runs: ${(err as Error).message}`);
    }
    this.post({ type: 'models', models: this.models, selected: this.choice });
  }

  /** Switches to a model and watches its run folder for new checkpoints. */
  private use(choice: PreviewModelChoice | null): void {
    const sameRun = this.choice?.runDir === choice?.runDir;
    this.choice = choice;
    if (sameRun && this.runWatcher) return;
    this.runWatcher?.close();
    this.runWatcher = null;
    if (!choice) return;
    try {
      // Checkpoints are swapped in by renaming folders in the run folder: its direct entries are enough.
      this.runWatcher = fs.watch(choice.runDir, (_event, name) => {
        if (name && this.choice && (name === this.choice.checkpoint || name === `${this.choice.checkpoint}.old`)) this.schedule();
      });
      this.runWatcher.on('error', () => undefined);
    } catch (err) {
      this.host.log.warn(`preview: cannot watch ${choice.runDir} for new checkpoints: ${(err as Error).message}`);
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.predict(), SETTLE_MS);
  }

  /** Predicts the image with the chosen model and sends the result, or a clear error, to the page. */
  async predict(): Promise<void> {
    const choice = this.choice;
    const g = ++this.generation;
    if (!choice) return; // the page says how to get a model (no runs)
    this.post({ type: 'loading', message: `Predicting with ${shortLabel(choice)}…` });
    try {
      const result = await this.host.preview({ imagePath: this.image.fsPath, runDir: choice.runDir, checkpoint: choice.checkpoint });
      if (g === this.generation) this.post({ type: 'result', result });
    } catch (err) {
      if (g === this.generation) this.post({ type: 'error', message: `SegLab could not predict ${path.basename(this.image.fsPath)} with ${shortLabel(choice)}: ${(err as Error).message}` });
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.runWatcher?.close();
    for (const d of this._disposables) d.dispose();
    this._disposables = [];
  }
}
