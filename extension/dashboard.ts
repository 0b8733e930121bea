/**
 * The dashboard webview panel (media/dashboard.js): live curves, per-class IoU, confusion matrix, sample masks and
 * the runs table. One panel at a time; it reopens with its state after a window reload (the page keeps its state
 * with setState, and the serializer below re-attaches it).
 */
import * as vscode from 'vscode';
import { FromDashboard, isFromDashboard, SanityVerdict, ToDashboard } from '../server/protocol';
import { dashboardHtml, makeNonce } from './dashboardHtml';
import type { Supervisor } from './supervisor';

export const DASHBOARD_VIEW_TYPE = 'seglab.dashboard';

/** Webview options shared by new and restored panels: scripts on, files only from media/. */
export function getWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')] };
}

export class Dashboard implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private _disposables: vscode.Disposable[] = [];
  private panelDisposables: vscode.Disposable[] = [];
  private sanity: SanityVerdict | null = null;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly supervisor: Supervisor,
    /** The runs folder for the runs table, or null when there is none yet. */
    private readonly runsDir: () => Promise<string | null>,
    private readonly runCommand: (command: 'stop' | 'resume' | 'train') => void,
  ) {
    this._disposables.push(
      supervisor.onEvent(({ jobId, event }) => {
        this.post({ type: 'trainEvent', jobId, event });
        if (event.type === 'runEnd' || event.type === 'evalDone' || event.type === 'epochEnd') void this.sendRuns();
      }),
      supervisor.onStatus((status) => this.post({ type: 'status', status })),
    );
  }

  /** Shows a sanity verdict in the Sanity view (kept for a page that loads later). */
  setSanity(verdict: SanityVerdict): void {
    this.sanity = verdict;
    this.post({ type: 'sanity', verdict });
  }

  get visible(): boolean {
    return this.panel !== undefined;
  }

  /** Reveals the panel, creating it when needed. */
  show(preserveFocus = false): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      'SegLab Dashboard',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      getWebviewOptions(this.extensionUri),
    );
    this.attach(panel);
  }

  /** Re-attaches a panel VS Code restored after a reload. */
  restore(panel: vscode.WebviewPanel): void {
    panel.webview.options = getWebviewOptions(this.extensionUri);
    this.attach(panel);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.svg');
    panel.webview.html = this.html(panel.webview);
    this.panelDisposables = [
      panel.onDidDispose(() => this.detach(panel)),
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
    ];
  }

  private detach(panel: vscode.WebviewPanel): void {
    if (this.panel !== panel) return;
    this.panel = undefined;
    for (const d of this.panelDisposables) d.dispose();
    this.panelDisposables = [];
  }

  private html(webview: vscode.Webview): string {
    const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', ...p)).toString();
    return dashboardHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      script: uri('dashboard.js'),
      style: uri('dashboard.css'),
      elements: uri('vendor', 'vscode-elements.js'),
      uplotJs: uri('vendor', 'uPlot.iife.min.js'),
      uplotCss: uri('vendor', 'uPlot.min.css'),
      codicons: uri('vendor', 'codicon.css'),
    });
  }

  private onMessage(m: unknown): void {
    if (!isFromDashboard(m)) {
      this.supervisor.log.warn(`dashboard sent an unknown message: ${JSON.stringify(m).slice(0, 200)}`);
      return;
    }
    const msg: FromDashboard = m;
    switch (msg.type) {
      case 'ready': {
        const { jobId, events } = this.supervisor.tracker.replay();
        this.post({ type: 'replay', jobId, events });
        this.post({ type: 'status', status: this.supervisor.status });
        if (this.sanity) this.post({ type: 'sanity', verdict: this.sanity });
        void this.sendRuns();
        return;
      }
      case 'refreshRuns':
        void this.sendRuns();
        return;
      case 'command':
        this.runCommand(msg.command);
        return;
    }
  }

  private async sendRuns(): Promise<void> {
    if (!this.panel) return;
    try {
      const dir = await this.runsDir();
      const runs = dir ? await this.supervisor.client.listRuns(dir) : [];
      this.post({ type: 'runs', runs });
    } catch (err) {
      this.supervisor.log.warn(`could not list runs: ${(err as Error).message}`);
    }
  }

  private post(m: ToDashboard): void {
    void this.panel?.webview.postMessage(m);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of [...this._disposables, ...this.panelDisposables]) d.dispose();
    this._disposables = [];
  }
}
