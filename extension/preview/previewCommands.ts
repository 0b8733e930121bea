/**
 * "SegLab: Predict on Active Image" (opens the SegLab Preview beside the image) and "SegLab: Predict Folder…"
 * (every image of a folder through the predict job, masks and overlays written under the run folder, with progress).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobExitParams, TrainEvent } from '../../server/protocol';
import type { PredictJob } from '../../server/train/predict';
import { backendForJob, SeglabSettings } from '../settings';
import { PREVIEW_VIEW_TYPE } from './previewEditor';
import type { PreviewHost } from './previewHost';
import { isImagePath } from './hoverText';
import { countWritten, folderImages, folderOutDir } from './folderPredict';

export const PREVIEW_COMMANDS = {
  predictActiveImage: 'seglab.predictActiveImage',
  /** The explorer context entry and the hover's link: the same, for an image URI argument. */
  openPreview: 'seglab.openPreview',
  predictFolder: 'seglab.predictFolder',
} as const;

/** The file of the active tab: an image preview (custom editor) or a text editor. */
function activeFile(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) return input.uri;
  return vscode.window.activeTextEditor?.document.uri;
}

async function predictActiveImage(arg?: unknown): Promise<void> {
  const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'object' && arg && 'path' in arg ? vscode.Uri.from(arg as vscode.Uri) : activeFile();
  if (!uri || uri.scheme !== 'file' || !isImagePath(uri.fsPath)) {
    void vscode.window.showInformationMessage('SegLab: open an image (png, jpg, jpeg, bmp, tif, tiff) first, or right-click one in the Explorer and choose SegLab: Open Prediction Preview.');
    return;
  }
  await vscode.commands.executeCommand('vscode.openWith', uri, PREVIEW_VIEW_TYPE, vscode.ViewColumn.Beside);
}

async function pickFolder(arg: unknown): Promise<string | undefined> {
  if (arg instanceof vscode.Uri) return fs.statSync(arg.fsPath).isDirectory() ? arg.fsPath : path.dirname(arg.fsPath);
  const picked = await vscode.window.showOpenDialog({ title: 'SegLab: predict every image of which folder?', canSelectFolders: true, canSelectFiles: false });
  return picked?.[0]?.fsPath;
}

/** Runs the predict job and resolves when it ends: the written files, or the reason it failed. */
function runPredictJob(host: PreviewHost, job: PredictJob, onEvent: (e: TrainEvent) => void): Promise<{ files: number } | { error: string }> {
  const client = host.supervisor.client;
  return new Promise((resolve) => {
    let jobId: string | null = null;
    const onExit = (p: JobExitParams): void => {
      if (p.jobId !== jobId) return;
      client.off('jobExit', onExit);
      resolve({ error: p.crash ?? `the predict job ended without results (exit code ${p.code})` });
    };
    client.on('jobExit', onExit);
    host.supervisor
      .startUntracked(job, (e) => {
        onEvent(e);
        if (e.type === 'predictDone' || e.type === 'error') {
          client.off('jobExit', onExit);
          resolve(e.type === 'predictDone' ? { files: e.files.length } : { error: e.message });
        }
      })
      .then((id) => (jobId = id))
      .catch((err: unknown) => {
        client.off('jobExit', onExit);
        resolve({ error: (err as Error).message });
      });
  });
}

async function predictFolder(host: PreviewHost, settings: () => SeglabSettings, arg?: unknown): Promise<void> {
  const folder = await pickFolder(arg);
  if (!folder) return;
  const inputs = folderImages(folder);
  if (!inputs.length) {
    void vscode.window.showInformationMessage(`SegLab: ${folder} holds no images (png, jpg, jpeg, bmp, tif, tiff).`);
    return;
  }
  const models = await host.models(true);
  const def = await host.defaultModel();
  const pick = await vscode.window.showQuickPick(
    models.map((m) => ({ label: m.label, description: m === def ? '(last used)' : '', detail: m.runDir, model: m })),
    { title: `SegLab: predict ${inputs.length} image(s) with which model?`, placeHolder: models.length ? undefined : 'no trained runs yet: run SegLab: Train first' },
  );
  if (!pick) return;
  const { runDir, checkpoint } = pick.model;
  const outDir = folderOutDir(runDir, folder, checkpoint);
  const job: PredictJob = { kind: 'predict', runDir, checkpoint, inputs, outDir, backend: backendForJob(settings()), export: { formats: ['png', 'overlay'] } };
  const title = `SegLab: predicting ${inputs.length} image(s) of ${path.basename(folder)}`;
  const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, async (progress) => {
    let done = 0;
    const poll = setInterval(() => {
      const now = countWritten(outDir, inputs);
      if (now > done) progress.report({ message: `${now}/${inputs.length}`, increment: (100 * (now - done)) / inputs.length });
      done = Math.max(done, now);
    }, 500);
    try {
      return await runPredictJob(host, job, (e) => e.type === 'backend' && progress.report({ message: `backend ${e.name}` }));
    } finally {
      clearInterval(poll);
    }
  });
  if ('error' in outcome) {
    void vscode.window.showErrorMessage(`SegLab: predicting ${folder} failed: ${outcome.error}`, 'Show Log').then((a) => a && host.log.show());
    return;
  }
  const action = await vscode.window.showInformationMessage(`SegLab: wrote masks and overlays of ${outcome.files} image(s) to ${outDir}`, 'Reveal in File Explorer');
  if (action) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(outDir));
}

/** Registers the commands. */
export function registerPreviewCommands(host: PreviewHost, settings: () => SeglabSettings): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(PREVIEW_COMMANDS.predictActiveImage, (uri?: unknown) => predictActiveImage(uri)),
    vscode.commands.registerCommand(PREVIEW_COMMANDS.openPreview, (uri?: unknown) => predictActiveImage(uri)),
    vscode.commands.registerCommand(PREVIEW_COMMANDS.predictFolder, (uri?: unknown) => predictFolder(host, settings, uri)),
  ];
}
