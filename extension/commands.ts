/** The palette commands (category "SegLab"). Each is a small function over the shared {@link CommandContext}. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunSummary, TrainEvent } from '../server/protocol';
import { Supervisor } from './supervisor';
import { Dashboard } from './dashboard';
import { pickConfig, rememberConfig, resolveRunsDir } from './workspaceConfig';
import { loadConfig } from '../server/config/load';
import { BACKEND_CHOICES, SeglabSettings, backendForJob } from './settings';
import { ServerRequestError } from './serverClient';

export const COMMANDS = {
  train: 'seglab.train',
  evaluate: 'seglab.evaluate',
  predictImage: 'seglab.predictImage',
  stop: 'seglab.stop',
  resume: 'seglab.resume',
  openDashboard: 'seglab.openDashboard',
  selectBackend: 'seglab.selectBackend',
  checkDataset: 'seglab.checkDataset',
  showLog: 'seglab.showLog',
} as const;

export interface CommandContext {
  readonly supervisor: Supervisor;
  readonly dashboard: Dashboard;
  /** The validated settings, read fresh for every command. */
  readonly settings: () => SeglabSettings;
}

function report(ctx: CommandContext, err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  if (!(err instanceof ServerRequestError && err.user)) ctx.supervisor.log.error(err instanceof Error ? (err.stack ?? msg) : msg);
  void vscode.window.showErrorMessage(`SegLab: ${msg}`, 'Show Log').then((a) => a && ctx.supervisor.log.show());
}

/** Shows a cancellable progress notification for the tracked job until it ends; cancel = Stop. */
function followWithProgress(ctx: CommandContext, title: string): Promise<void> {
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      return new Promise<void>((resolve) => {
        let lastPct = 0;
        const subs: vscode.Disposable[] = [];
        const finish = () => {
          subs.forEach((d) => d.dispose());
          resolve();
        };
        token.onCancellationRequested(() => void ctx.supervisor.stopActive());
        subs.push(
          ctx.supervisor.onEvent(({ event }) => {
            const line = progressLine(event);
            if (!line) return;
            const inc = line.pct !== undefined ? Math.max(0, line.pct - lastPct) : undefined;
            if (line.pct !== undefined) lastPct = Math.max(lastPct, line.pct);
            progress.report({ message: line.message, increment: inc });
          }),
          ctx.supervisor.onStatus((s) => {
            if (!['starting', 'training', 'evaluating', 'stopping'].includes(s.phase)) finish();
          }),
        );
      });
    }),
  );
}

function progressLine(e: TrainEvent): { message: string; pct?: number } | null {
  switch (e.type) {
    case 'backend':
      return { message: `backend ${e.name}` };
    case 'runStart':
      return { message: `epoch ${e.startEpoch}/${e.epochs}` };
    case 'step': {
      const eta = Number.isFinite(e.etaSeconds) ? `, ETA ${Math.round(e.etaSeconds)} s` : '';
      return { message: `epoch ${e.epoch} step ${e.step}/${e.stepsPerEpoch}, loss ${e.loss.toFixed(4)}${eta}` };
    }
    case 'epochEnd':
      return { message: `epoch ${e.epoch}/${e.epochs}: val mIoU ${e.val.mIoU.toFixed(4)}`, pct: (100 * e.epoch) / e.epochs };
    default:
      return null;
  }
}

async function train(ctx: CommandContext, configArg?: unknown): Promise<void> {
  const choice =
    typeof configArg === 'string' ? { configPath: configArg, cwd: path.dirname(configArg) } : await pickConfig('Train');
  if (!choice) return;
  if (!vscode.workspace.isTrusted && usesModule(choice.configPath)) {
    void vscode.window.showWarningMessage(
      'SegLab: this config trains your own model module (model.module), which would run your code; trust the workspace first.',
    );
    return;
  }
  try {
    await ctx.supervisor.startTracked({ kind: 'train', configPath: choice.configPath, cwd: choice.cwd, backend: backendForJob(ctx.settings()) });
    rememberConfig(choice.configPath);
  } catch (err) {
    return report(ctx, err);
  }
  if (ctx.settings().autoOpenDashboard) ctx.dashboard.show(true);
  void followWithProgress(ctx, 'SegLab: training');
}

/** Whether a config names a user model module (which must not run in an untrusted workspace). */
function usesModule(configPath: string | null): boolean {
  if (!configPath) return false;
  try {
    return Boolean((loadConfig(configPath).model as { module?: string }).module);
  } catch {
    return false;
  }
}

async function listRuns(ctx: CommandContext): Promise<readonly RunSummary[]> {
  const dir = await resolveRunsDir(ctx.settings());
  return dir ? ctx.supervisor.client.listRuns(dir) : [];
}

/** Quick pick of run folders, newest first; the interrupted one (if any) is marked and listed first. */
async function pickRun(ctx: CommandContext, title: string, needCheckpoint: boolean): Promise<string | undefined> {
  const interrupted = ctx.supervisor.tracker.interruptedRunDir;
  const runs = (await listRuns(ctx)).filter((r) => !needCheckpoint || fs.existsSync(path.join(r.runDir, 'last')));
  if (!runs.length) {
    void vscode.window.showInformationMessage('SegLab: no runs with a checkpoint yet; run SegLab: Train first.');
    return undefined;
  }
  const items = runs
    .map((r) => ({
      label: r.name,
      description: [r.arch, r.encoderName, r.bestMIoU !== null ? `best mIoU ${r.bestMIoU.toFixed(4)} @ ${r.bestEpoch}` : 'no epoch yet', `${r.epochsDone} epoch(s)`]
        .filter(Boolean)
        .join(' · '),
      detail: r.runDir === interrupted ? `$(warning) interrupted: ${ctx.supervisor.status.message ?? ''}` : r.runDir,
      runDir: r.runDir,
    }))
    .sort((a, b) => Number(b.runDir === interrupted) - Number(a.runDir === interrupted));
  return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true }))?.runDir;
}

async function resume(ctx: CommandContext, runDirArg?: unknown): Promise<void> {
  const runDir = typeof runDirArg === 'string' ? runDirArg : await pickRun(ctx, 'SegLab: resume which run?', true);
  if (!runDir) return;
  try {
    await ctx.supervisor.startTracked({ kind: 'train', configPath: null, cwd: path.dirname(runDir), resumeRunDir: runDir, backend: backendForJob(ctx.settings()) });
  } catch (err) {
    return report(ctx, err);
  }
  if (ctx.settings().autoOpenDashboard) ctx.dashboard.show(true);
  void followWithProgress(ctx, 'SegLab: training (resumed)');
}

async function evaluate(ctx: CommandContext): Promise<void> {
  const runDir = await pickRun(ctx, 'SegLab: evaluate which run (best checkpoint)?', true);
  if (!runDir) return;
  const which = fs.existsSync(path.join(runDir, 'best')) ? 'best' : 'last';
  try {
    await ctx.supervisor.startTracked({ kind: 'eval', runDir, checkpoint: which, backend: backendForJob(ctx.settings()) });
  } catch (err) {
    return report(ctx, err);
  }
  if (ctx.settings().autoOpenDashboard) ctx.dashboard.show(true);
  const done = new Promise<void>((resolve) => {
    const sub = ctx.supervisor.onEvent(({ event }) => {
      if (event.type !== 'evalDone') return;
      sub.dispose();
      const r = event.result;
      void vscode.window.showInformationMessage(
        `SegLab: ${path.basename(runDir)} (${which}): val mIoU ${r.mIoU.toFixed(4)} over ${r.images} image(s) (per-batch mean ${r.batchMeanIoU.toFixed(4)})`,
      );
      resolve();
    });
  });
  await Promise.race([done, followWithProgress(ctx, 'SegLab: evaluating')]);
}

async function predictImage(ctx: CommandContext, uriArg?: unknown): Promise<void> {
  let image = uriArg instanceof vscode.Uri ? uriArg : undefined;
  if (!image) {
    const picked = await vscode.window.showOpenDialog({
      title: 'SegLab: predict which image?',
      canSelectMany: false,
      filters: { Images: ['png', 'jpg', 'jpeg', 'bmp', 'tif', 'tiff', 'webp'] },
    });
    image = picked?.[0];
  }
  if (!image) return;
  const runDir = await pickRun(ctx, 'SegLab: predict with which run?', true);
  if (!runDir) return;
  const which = fs.existsSync(path.join(runDir, 'best')) ? 'best' : 'last';
  const outDir = path.join(runDir, 'predictions');
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `SegLab: predicting ${path.basename(image.fsPath)}` }, async () => {
    const result = new Promise<TrainEvent>((resolve) => {
      void ctx.supervisor
        .startUntracked({ kind: 'predict', runDir, checkpoint: which, inputs: [image!.fsPath], outDir, backend: backendForJob(ctx.settings()) }, (e) => {
          if (e.type === 'predictDone' || e.type === 'error') resolve(e);
        })
        .catch((err: unknown) => resolve({ type: 'error', kind: 'user', message: (err as Error).message }));
    });
    const e = await result;
    if (e.type === 'error') return report(ctx, new Error(e.message));
    if (e.type === 'predictDone' && e.files[0]) {
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(e.files[0].overlay), { viewColumn: vscode.ViewColumn.Beside });
    }
  });
}

async function stop(ctx: CommandContext): Promise<void> {
  try {
    if (!(await ctx.supervisor.stopActive())) void vscode.window.showInformationMessage('SegLab: nothing is running.');
  } catch (err) {
    report(ctx, err);
  }
}

async function selectBackend(ctx: CommandContext): Promise<void> {
  const current = ctx.settings().backend;
  const detail: Record<string, string> = {
    auto: 'walk the ladder: node-gpu, webgpu, node, wasm, cpu',
    'node-gpu': '@tensorflow/tfjs-node-gpu (CUDA)',
    webgpu: 'WebGPU through Dawn (a real GPU adapter)',
    node: '@tensorflow/tfjs-node (libtensorflow on the CPU)',
    wasm: 'WebAssembly on a thread per core, with SegLab’s training kernels',
    cpu: 'pure JavaScript (slowest)',
  };
  const pick = await vscode.window.showQuickPick(
    BACKEND_CHOICES.map((b) => ({ label: b, description: b === current ? '(current)' : '', detail: detail[b] })),
    { title: 'SegLab: backend for new jobs' },
  );
  if (!pick) return;
  const target = vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('seglab').update('backend', pick.label, target);
}

async function checkDataset(ctx: CommandContext): Promise<void> {
  const choice = await pickConfig('Check the dataset');
  if (!choice) return;
  try {
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'SegLab: checking the dataset' },
      () => ctx.supervisor.client.checkDataset(choice.configPath, choice.cwd),
    );
    ctx.supervisor.log.info(r.report);
    const msg = r.problems ? `SegLab: ${r.problems} problem(s) found in the dataset.` : 'SegLab: no problems found in the dataset.';
    const show = r.problems ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(msg, 'Show Report').then((a) => a && ctx.supervisor.log.show());
  } catch (err) {
    report(ctx, err);
  }
}

/** Registers every command; returns their disposables. */
export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const reg = (id: string, f: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(id, f);
  return [
    reg(COMMANDS.train, (configPath) => train(ctx, configPath)),
    reg(COMMANDS.evaluate, () => evaluate(ctx)),
    reg(COMMANDS.predictImage, (uri) => predictImage(ctx, uri)),
    reg(COMMANDS.stop, () => stop(ctx)),
    reg(COMMANDS.resume, (runDir) => resume(ctx, runDir)),
    reg(COMMANDS.openDashboard, () => ctx.dashboard.show()),
    reg(COMMANDS.selectBackend, () => selectBackend(ctx)),
    reg(COMMANDS.checkDataset, () => checkDataset(ctx)),
    reg(COMMANDS.showLog, () => ctx.supervisor.log.show()),
  ];
}
