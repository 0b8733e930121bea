/**
 * Hot sanity runs in the editor: one {@link SanityWatcher} per model module named by a seglab.json
 * (`model.module`), verdicts as diagnostics (Problems panel, squiggles) at the user's own line, a CodeLens above
 * `build`, and the latest verdict for the dashboard's Sanity view. User modules are never executed in an untrusted
 * workspace.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SanityDiagnostic, SanityVerdict } from '../../server/protocol';
import { loadConfig } from '../../server/config/load';
import { formatSanityLens } from '../../server/sanity/format';
import type { Supervisor } from '../supervisor';
import { findConfigs } from '../workspaceConfig';
import { SanityTarget, SanityWatcher } from './sanityWatcher';
import { buildLine } from './buildLine';

export const RUN_SANITY_COMMAND = 'seglab.runSanity';
export const UNTRUSTED_MESSAGE = 'SegLab does not run model modules in an untrusted workspace (your code would execute); trust the workspace to enable sanity runs.';

type LensState = { kind: 'running' } | { kind: 'verdict'; verdict: SanityVerdict } | { kind: 'error'; message: string };

function toDiagnostic(d: SanityDiagnostic): vscode.Diagnostic {
  const start = new vscode.Position(Math.max(0, d.line - 1), Math.max(0, d.column - 1));
  const end =
    d.endLine !== undefined && d.endColumn !== undefined
      ? new vscode.Position(Math.max(0, d.endLine - 1), Math.max(0, d.endColumn - 1))
      : new vscode.Position(start.line, Number.MAX_SAFE_INTEGER);
  const diag = new vscode.Diagnostic(
    new vscode.Range(start, end),
    d.message,
    d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
  );
  diag.source = 'SegLab sanity';
  diag.code = d.code;
  return diag;
}

export class SanityController implements vscode.Disposable, vscode.CodeLensProvider {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('seglab-sanity');
  private readonly watchers = new Map<string, SanityWatcher>();
  private readonly lens = new Map<string, LensState>();
  /** Files that got diagnostics from each module's last verdict, to clear them on the next one. */
  private readonly diagnosed = new Map<string, string[]>();
  private readonly _onDidChangeCodeLenses = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this._onDidChangeCodeLenses.event;
  private readonly _onVerdict = new vscode.EventEmitter<SanityVerdict>();
  /** A verdict arrived (the dashboard's Sanity view shows the latest). */
  readonly onVerdict = this._onVerdict.event;
  private _disposables: vscode.Disposable[] = [this.diagnostics, this._onDidChangeCodeLenses, this._onVerdict];
  latest: SanityVerdict | null = null;

  constructor(private readonly supervisor: Supervisor) {
    const configWatcher = vscode.workspace.createFileSystemWatcher('**/seglab.json');
    this._disposables.push(
      configWatcher,
      configWatcher.onDidCreate(() => void this.refreshTargets()),
      configWatcher.onDidChange(() => void this.refreshTargets()),
      configWatcher.onDidDelete(() => void this.refreshTargets()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.refreshTargets(true)),
      vscode.languages.registerCodeLensProvider([{ scheme: 'file', language: 'typescript' }, { scheme: 'file', language: 'javascript' }], this),
    );
  }

  /** Finds model modules in the workspace's seglab.json files and (re)creates their watchers. */
  async refreshTargets(runAll = false): Promise<void> {
    const targets = vscode.workspace.isTrusted ? await this.findTargets() : [];
    for (const [mod, w] of this.watchers) {
      if (!targets.some((t) => t.modulePath === mod)) {
        this.watchers.delete(mod);
        void w.dispose();
      }
    }
    for (const t of targets) {
      if (this.watchers.has(t.modulePath)) continue;
      this.watchers.set(t.modulePath, this.makeWatcher(t));
      if (runAll) void this.watchers.get(t.modulePath)!.runNow('workspace opened');
    }
    this._onDidChangeCodeLenses.fire();
  }

  private async findTargets(): Promise<SanityTarget[]> {
    const out: SanityTarget[] = [];
    for (const uri of await findConfigs()) {
      try {
        const cfg = loadConfig(uri.fsPath);
        const mod = (cfg.model as { module?: string }).module;
        if (mod) out.push({ configPath: uri.fsPath, cwd: path.dirname(uri.fsPath), modulePath: path.resolve(path.dirname(uri.fsPath), mod) });
      } catch {
        // An invalid seglab.json: the JSON schema squiggles it; Train reports it in full.
      }
    }
    return out;
  }

  private makeWatcher(t: SanityTarget): SanityWatcher {
    return new SanityWatcher(t, {
      run: (p) => this.supervisor.client.sanityRun(p),
      onStart: (target, cause) => {
        this.supervisor.log.info(`sanity: ${vscode.workspace.asRelativePath(target.modulePath)} (${path.basename(cause)} changed)`);
        this.setLens(target.modulePath, { kind: 'running' });
      },
      onVerdict: (target, v) => this.onVerdictFor(target, v),
      onError: (target, err) => {
        const message = (err as Error).message;
        this.supervisor.log.error(`sanity: ${message}`);
        this.setLens(target.modulePath, { kind: 'error', message });
      },
    });
  }

  private onVerdictFor(target: SanityTarget, v: SanityVerdict): void {
    this.supervisor.log.info(`sanity: ${formatSanityLens(v)}`);
    for (const s of v.steps) this.supervisor.log.info(`  ${s.name}: ${s.status} ${s.seconds.toFixed(2)} s ${s.detail}`);
    for (const f of this.diagnosed.get(target.modulePath) ?? []) this.diagnostics.delete(vscode.Uri.file(f));
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const d of v.diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), toDiagnostic(d)]);
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
    this.diagnosed.set(target.modulePath, [...byFile.keys()]);
    this.latest = v;
    this._onVerdict.fire(v);
    this.setLens(target.modulePath, { kind: 'verdict', verdict: v });
  }

  private setLens(modulePath: string, s: LensState): void {
    this.lens.set(modulePath, s);
    this._onDidChangeCodeLenses.fire();
  }

  /** "▶ Run sanity": the module of the active editor (or the only one known). */
  async runNow(moduleArg?: unknown): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(`SegLab: ${UNTRUSTED_MESSAGE}`);
      return;
    }
    if (!this.watchers.size) await this.refreshTargets();
    const mod = typeof moduleArg === 'string' ? moduleArg : vscode.window.activeTextEditor?.document.uri.fsPath;
    const w = (mod && this.watchers.get(mod)) || (this.watchers.size === 1 ? [...this.watchers.values()][0] : undefined);
    if (!w) {
      void vscode.window.showInformationMessage('SegLab: no model module to check. Name one in seglab.json: "model": { "module": "models/myNet.ts" }.');
      return;
    }
    await w.runNow('requested');
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const known = this.watchers.has(doc.uri.fsPath);
    if (!vscode.workspace.isTrusted) {
      return /\bbuild\s*\(\s*ctx/.test(doc.getText()) ? [new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), { title: '$(shield) SegLab sanity off: untrusted workspace', command: '' })] : [];
    }
    if (!known) return [];
    const line = buildLine(doc.getText());
    const range = new vscode.Range(line, 0, line, 0);
    const s = this.lens.get(doc.uri.fsPath);
    const title = !s ? 'SegLab sanity: not run yet' : s.kind === 'running' ? '$(sync~spin) sanity running…' : s.kind === 'error' ? `✗ sanity: ${s.message}` : formatSanityLens(s.verdict);
    return [
      new vscode.CodeLens(range, { title, command: 'seglab.openDashboard', tooltip: 'Open the dashboard (Sanity view)' }),
      new vscode.CodeLens(range, { title: '▶ Run sanity', command: RUN_SANITY_COMMAND, arguments: [doc.uri.fsPath] }),
      new vscode.CodeLens(range, { title: 'Train with this model', command: 'seglab.train', arguments: [this.watchers.get(doc.uri.fsPath)?.target.configPath] }),
    ];
  }

  dispose(): void {
    for (const w of this.watchers.values()) void w.dispose();
    this.watchers.clear();
    for (const d of this._disposables) d.dispose();
  }
}
