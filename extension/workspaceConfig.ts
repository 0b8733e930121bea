/** Finding `seglab.json` in the workspace, choosing one, and resolving its runs folder. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadConfig } from '../server/config/load';
import type { SeglabSettings } from './settings';

export interface ConfigChoice {
  /** Absolute path, or null for the built-in synthetic default. */
  readonly configPath: string | null;
  /** Folder that relative paths and the default runs folder are resolved against. */
  readonly cwd: string;
}

/** Every seglab.json in the workspace (node_modules and run folders excluded), sorted by path. */
export async function findConfigs(): Promise<vscode.Uri[]> {
  const uris = await vscode.workspace.findFiles('**/seglab.json', '{**/node_modules/**,**/runs/**}', 50);
  return uris.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}

/**
 * Asks which config to use when there are several; with none, offers the built-in default (synthetic cells) in
 * the first workspace folder. Undefined when the user cancels or no folder is open.
 */
export async function pickConfig(purpose: string): Promise<ConfigChoice | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showErrorMessage('SegLab: open a folder first (File > Open Folder); runs are written inside it.');
    return undefined;
  }
  const configs = await findConfigs();
  if (configs.length === 1) return { configPath: configs[0].fsPath, cwd: path.dirname(configs[0].fsPath) };
  if (configs.length === 0) {
    const ok = await vscode.window.showInformationMessage(
      `SegLab: no seglab.json in this workspace. ${purpose} with the built-in default (synthetic cells)?`,
      'Use the default',
    );
    return ok ? { configPath: null, cwd: folder.uri.fsPath } : undefined;
  }
  const pick = await vscode.window.showQuickPick(
    configs.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })),
    { title: `SegLab: which config? (${purpose})`, placeHolder: 'several seglab.json files in this workspace' },
  );
  return pick ? { configPath: pick.uri.fsPath, cwd: path.dirname(pick.uri.fsPath) } : undefined;
}

/** The config of the last Train in this window: its runs folder is the one the dashboard and Resume show. */
let lastConfig: string | null = null;

/** Remembers the config a training job was started with. */
export function rememberConfig(configPath: string | null): void {
  if (configPath) lastConfig = configPath;
}

/**
 * The runs folder for the dashboard and Resume: the `seglab.runsFolder` setting (relative to the first workspace
 * folder), else `output.runsDir` of the config last trained in this window, else of the workspace's first
 * seglab.json, else `<folder>/runs`.
 */
export async function resolveRunsDir(settings: SeglabSettings): Promise<string | null> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return null;
  if (settings.runsFolder) return path.resolve(folder.uri.fsPath, settings.runsFolder);
  const [first] = lastConfig ? [vscode.Uri.file(lastConfig)] : await findConfigs();
  if (first) {
    try {
      return loadConfig(first.fsPath).output.runsDir;
    } catch {
      // An invalid config is reported when the user trains; the table falls back to the default folder.
    }
  }
  return path.join(folder.uri.fsPath, 'runs');
}

/**
 * Every runs folder a sanity model may be in: a sanity run saves under its own config's `output.runsDir`, which
 * `seglab.runsFolder` need not be. Each seglab.json of the workspace that loads, and `<folder>/runs`.
 */
export async function configRunsDirs(): Promise<string[]> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return [];
  const dirs = [path.join(folder.uri.fsPath, 'runs')];
  for (const uri of await findConfigs()) {
    try {
      dirs.push(loadConfig(uri.fsPath).output.runsDir);
    } catch {
      // An invalid config has no sanity models (its sanity run fails before saving one).
    }
  }
  return dirs;
}
