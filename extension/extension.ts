/**
 * Entry point. `activate` only creates the parts and registers them on `context.subscriptions`; each part is a
 * class with its own `dispose()`.
 */
import * as vscode from 'vscode';
import { Supervisor } from './supervisor';
import { StatusBar } from './statusBar';
import { Dashboard, DASHBOARD_VIEW_TYPE, getWebviewOptions } from './dashboard';
import { COMMANDS, registerCommands } from './commands';
import { SERVER_PATH } from './serverClient';
import { validateSettings, SeglabSettings } from './settings';
import { resolveRunsDir } from './workspaceConfig';
import { RUN_SANITY_COMMAND, SanityController } from './sanity/sanityController';
import { Previews } from './preview/previews';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('SegLab', { log: true });
  const supervisor = new Supervisor(log, SERVER_PATH, COMMANDS.resume);
  const settings = (): SeglabSettings => {
    const r = validateSettings(readRaw());
    for (const p of r.problems) log.warn(p);
    return r.settings;
  };
  const dashboard = new Dashboard(
    context.extensionUri,
    supervisor,
    () => resolveRunsDir(settings()),
    (command) => void vscode.commands.executeCommand(COMMANDS[command === 'train' ? 'train' : command === 'stop' ? 'stop' : 'resume']),
  );
  const statusBar = new StatusBar(COMMANDS.openDashboard, supervisor.status);
  const sanity = new SanityController(supervisor);
  context.subscriptions.push(new Previews(context, supervisor, settings));
  context.subscriptions.push(
    log,
    supervisor,
    dashboard,
    statusBar,
    sanity,
    supervisor.onStatus((s) => statusBar.update(s)),
    sanity.onVerdict((v) => dashboard.setSanity(v)),
    vscode.commands.registerCommand(RUN_SANITY_COMMAND, (mod?: unknown) => sanity.runNow(mod)),
    ...registerCommands({ supervisor, dashboard, settings }),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => {
        panel.webview.options = getWebviewOptions(context.extensionUri);
        dashboard.restore(panel);
      },
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('seglab')) return;
      const problems = validateSettings(readRaw()).problems;
      if (problems.length) void vscode.window.showWarningMessage(`SegLab settings: ${problems.join(' ')}`);
    }),
  );
  // Find the model modules named by seglab.json files and give each a first verdict.
  void sanity.refreshTargets(true);
}

function readRaw(): { backend: unknown; runsFolder: unknown; autoOpenDashboard: unknown } {
  const c = vscode.workspace.getConfiguration('seglab');
  return { backend: c.get('backend'), runsFolder: c.get('runsFolder'), autoOpenDashboard: c.get('autoOpenDashboard') };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions; the server sees the IPC disconnect and lets jobs save.
}
