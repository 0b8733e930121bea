/** The three trainer jobs (train, eval, predict), run inside the trainer child process. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrainEvent, TrainerJob } from '../protocol';
import { BackendName, selectBackend } from '../backend/ladder';
import { ResolvedConfig, loadConfig } from '../config/load';
import { writePng } from '../data/image';
import { checkpointDir, loadModel } from './checkpoint';
import { loadSamples, openDatasets } from './datasets';
import { evaluate } from './evaluate';
import { prepareRun, RunInfo } from './prepare';
import { resumeCheckpoint, train, UserFacingError } from './run';
import { checkInferOptions, inferenceOptionsOf, isSinglePass, mergedSettings, pruneForInference } from './inference';
import { EvalJob, PredictJob, predictImages } from './predict';
import { InferSettings } from '../config/schema';
import type { InferenceOptions } from '../infer/segment';
import { InferenceModel } from '../infer/fused';

/** The eval job's tiling / TTA (`infer` of its config, command-line overrides on top); undefined = one whole pass. */
function evalInfer(cfg: ResolvedConfig, job: EvalJob, info: RunInfo): InferenceOptions | undefined {
  const o = inferenceOptionsOf(mergedSettings(InferSettings, 'infer', cfg.infer, job.infer));
  checkInferOptions(o, info.evalPrep);
  return isSinglePass(o) ? undefined : o;
}

type Emit = (e: TrainEvent) => void;

async function useBackend(name: string | undefined, emit: Emit): Promise<string> {
  const prefer = (name ?? 'auto') as BackendName | 'auto';
  let chosen;
  try {
    chosen = await selectBackend({ prefer });
  } catch (err) {
    throw new UserFacingError((err as Error).message);
  }
  emit({ type: 'backend', name: chosen.name, detail: chosen.detail, skipped: chosen.skipped });
  return chosen.name;
}

/** Reads `run.json` of a run folder. */
export function readRunInfo(runDir: string): RunInfo {
  const file = path.join(runDir, 'run.json');
  if (!fs.existsSync(file)) {
    throw new UserFacingError(`${runDir} is not a SegLab run folder (no run.json); pass a folder under the runs directory`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RunInfo;
}

/** The config a run was trained with (`config.json` in its folder). */
export function readRunConfig(runDir: string): ResolvedConfig {
  return JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8')) as ResolvedConfig;
}

async function loadRunModel(runDir: string, which: 'best' | 'last') {
  const dir = checkpointDir(path.join(runDir, which));
  if (!dir) {
    throw new UserFacingError(
      `${runDir}: no '${which}' checkpoint yet (it is written at the end of the first epoch); ` +
        `try --checkpoint ${which === 'best' ? 'last' : 'best'} or train longer`,
    );
  }
  return loadModel(dir);
}

function stemOf(file: string): string {
  return path.basename(file).replace(/\.[^.]+$/, '');
}

async function runEval(job: EvalJob, emit: Emit): Promise<void> {
  await useBackend(job.backend, emit);
  const info = readRunInfo(job.runDir);
  const runCfg = readRunConfig(job.runDir);
  const cfg: ResolvedConfig = job.configPath ? loadConfig(job.configPath) : runCfg;
  const model = pruneForInference(await loadRunModel(job.runDir, job.checkpoint), runCfg, info, cfg.model.pruneLevel);
  const { val: valDs, meta } = await openDatasets(cfg);
  if (meta.classes !== info.classes) {
    throw new UserFacingError(`the dataset has ${meta.classes} classes but the run's model predicts ${info.classes}; evaluate with the run's own data`);
  }
  const val = await loadSamples(valDs);
  const outDir = job.savePredictionsDir ?? null;
  if (outDir) fs.mkdirSync(outDir, { recursive: true });
  const ev = await evaluate(
    model,
    val,
    info.evalPrep,
    { batchSize: cfg.train.batchSize, classes: info.classes, classNames: info.classNames, ignoreIndex: info.ignoreIndex, infer: evalInfer(cfg, job, info) },
    outDir
      ? (i, pred) => {
          const s = val[i];
          return writePng(path.join(outDir, `${stemOf(s.imagePath ?? s.id)}.png`), pred, s.width, s.height, 1);
        }
      : undefined,
  );
  emit({ type: 'evalDone', result: ev.result, predictionsDir: outDir });
  model.dispose();
}

async function runPredict(job: PredictJob, emit: Emit): Promise<void> {
  await useBackend(job.backend, emit);
  const info = readRunInfo(job.runDir);
  const runCfg = readRunConfig(job.runDir);
  const model = pruneForInference(await loadRunModel(job.runDir, job.checkpoint), runCfg, info, runCfg.model.pruneLevel);
  fs.mkdirSync(job.outDir, { recursive: true });
  const folded = new InferenceModel(model);
  if (folded.winogradConvs > 0) emit({ type: 'log', level: 'info', message: `inference: ${folded.winogradConvs} convolutions on SegLab's wasm kernels (SEGLAB_WINOGRAD=0 turns them off)` });
  try {
    await predictImages(folded, job, info, runCfg, emit);
  } finally {
    folded.dispose();
    model.dispose();
  }
}

async function runTrain(job: Extract<TrainerJob, { kind: 'train' }>, emit: Emit, shouldStop: () => boolean): Promise<void> {
  const backend = await useBackend(job.backend, emit);
  const resumeFrom = job.resumeRunDir ? resumeCheckpoint(job.resumeRunDir) : null;
  const run = await prepareRun(
    { configPath: job.configPath, cwd: job.cwd, backend, resumeFrom, resumeRunDir: job.resumeRunDir },
    emit,
  );
  try {
    await train(run, emit, shouldStop);
  } finally {
    run.model.dispose();
  }
}

/** Runs one job to completion, emitting events; throws on failure (the worker reports it). */
export async function runJob(job: TrainerJob, emit: Emit, shouldStop: () => boolean): Promise<void> {
  switch (job.kind) {
    case 'backends':
      await useBackend(job.backend, emit);
      return;
    case 'train':
      return runTrain(job, emit, shouldStop);
    case 'eval':
      return runEval(job, emit);
    case 'predict':
      return runPredict(job, emit);
  }
}
