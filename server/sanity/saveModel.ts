/**
 * The latest sanity model: after a sanity run's verdict has been sent, the worker saves the fitted model as a run
 * folder the preview can load (`<runsDir>/.sanity/<module>-<hash>/`, see server/preview/runModel.ts). The sanity
 * model was built for the fixed sanity size; whole images need [null, null, C], so the module's `build` is called
 * again at that shape and the fitted weights are copied over (same count, names and shapes, or nothing is saved).
 * A run hands over its fitted model instead of disposing it (no copy, nothing added to save → verdict);
 * everything else happens after the verdict, can be interrupted by the next run, and never fails a verdict:
 * problems are logged.
 */
import { promises as fsp } from 'node:fs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { SanityVerdict } from '../protocol';
import type { ResolvedConfig } from '../config/load';
import type { InferSpec } from '../infer/whole';
import { inputStrideOf, paramCount } from '../models/registry';
import { modelJsonOf, serialiseModel, TrainerState, writeTextAtomic } from '../train/checkpoint';
import { modelConfigOf, RunInfo } from '../train/prepare';
import { sanityModelDir, SanityModelInfo } from '../preview/runModel';
import type { Bundle } from './transpile';
import type { SanityBatch } from './batch';
import { createContext } from './context';
import { callBuild, loadBundle, ModuleError } from './userModule';

/** Wait after a verdict before saving: a run asked for at once (a benchmark, quick saves) skips the save. */
export const SAVE_DELAY_MS = 250;

/** Layer classes registered before any user module ran in this process: the ones a predictor process knows. */
const KNOWN_CLASSES: ReadonlySet<unknown> = new Set(Object.values(tf.serialization.SerializationMap.getMap().classNameMap).map(([cls]) => cls));

/** What a run hands over for saving: its fitted model (owned by the receiver) and what a run folder needs. */
export interface FittedModel {
  /** Built for the sanity size; its weights are what gets saved. */
  readonly model: tf.LayersModel;
  readonly entry: string;
  readonly bundle: Bundle;
  readonly cfg: ResolvedConfig;
  readonly batch: SanityBatch;
  readonly losses: readonly number[];
  readonly backend: string | null;
}

export function disposeFitted(f: FittedModel): void {
  f.model.dispose();
}

/** `tf.disposeVariables()` except the weights of `keep` (what a run's build or a failed rebuild left behind). */
export function disposeVariablesExcept(keep: FittedModel | null): void {
  const own = new Set<tf.Variable>(keep ? keep.model.weights.map((w) => w.read() as tf.Variable) : []);
  for (const v of Object.values(tf.engine().registeredVariables)) if (!own.has(v)) v.dispose();
}

export type SaveOutcome = { readonly saved: string } | { readonly skipped: string } | { readonly aborted: true };

function errorText(err: unknown): string {
  if (err instanceof ModuleError) return `${err.diagnostic.file}:${err.diagnostic.line}:${err.diagnostic.column}: ${err.message}`;
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

/** `conv2d_Conv2D7/kernel` → `conv2d_Conv2D/kernel`: tfjs numbers auto-named layers per process. */
function baseName(name: string): string {
  return name.replace(/_?\d+(?=\/|$)/g, '');
}

const fmt = (s: readonly (number | null)[]): string => `[${s.map((d) => (d === null ? 'N' : d)).join(',')}]`;

/** Why the whole-image model cannot take the fitted weights, or null when it can. */
export function weightMismatch(model: tf.LayersModel, fitted: FittedModel): string | null {
  const got = model.weights;
  const want = fitted.model.weights;
  const [, h, w] = fitted.batch.shape;
  const build = 'build(ctx) must make the same layers for any input size';
  if (got.length !== want.length) return `built for [N,N,C] it has ${got.length} weights, built for ${h}x${w} ${want.length}: ${build}`;
  for (let i = 0; i < got.length; i++) {
    const a = got[i];
    const b = want[i];
    if (baseName(a.name) !== baseName(b.name) || a.shape.join() !== b.shape.join()) {
      return `weight ${i + 1} is '${a.name}' ${fmt(a.shape)} built for [N,N,C] but '${b.name}' ${fmt(b.shape)} built for ${h}x${w}: ${build}`;
    }
  }
  return null;
}

/** The first layer (nested models included) whose class was defined by the user's module, or null. */
export function unloadableLayer(model: tf.LayersModel): tf.layers.Layer | null {
  for (const layer of model.layers) {
    if (!KNOWN_CLASSES.has(layer.constructor)) return layer;
    if (layer instanceof tf.LayersModel) {
      const inner = unloadableLayer(layer);
      if (inner) return inner;
    }
  }
  return null;
}

/** The module's model for whole images with the fitted weights, or why there is none. */
function rebuild(fitted: FittedModel): { model: tf.LayersModel } | { problem: string } {
  const c = fitted.batch.shape[3];
  let model: tf.LayersModel;
  try {
    model = callBuild(loadBundle(fitted.bundle), createContext([null, null, c], fitted.batch.classes), fitted.bundle);
  } catch (err) {
    return { problem: `build(ctx) for whole images (ctx.inputShape [null, null, ${c}]) failed: ${errorText(err)}` };
  }
  const custom = unloadableLayer(model);
  const problem =
    weightMismatch(model, fitted) ??
    (custom
      ? `layer '${custom.name}' is a ${custom.getClassName() || custom.constructor.name} defined by the module; previews load a saved model ` +
        "without running the module, so they know only TensorFlow.js' and SegLab's layers (ctx.layers, ctx.blocks)"
      : null);
  if (problem) {
    model.dispose();
    return { problem };
  }
  model.setWeights(fitted.model.getWeights()); // shares the values (no copy); disposing `fitted` keeps them alive
  return { model };
}

/** model.json (TF.js Layers format, one weights file) and weights.bin, as train/checkpoint.ts writes them. */
async function serialise(model: tf.LayersModel): Promise<{ json: string; weights: Uint8Array }> {
  const m = await serialiseModel(model);
  return { json: modelJsonOf(m), weights: m.weights };
}

/** run.json as a training run of this config would write it, for the sanity batch's size and normalisation. */
function runInfoOf(fitted: FittedModel, model: tf.LayersModel): RunInfo {
  const { cfg, batch } = fitted;
  const [, h, w, inChannels] = batch.shape;
  const meta = { classes: batch.classes, classNames: batch.classNames, ignoreIndex: batch.ignoreIndex };
  const evalPrep: InferSpec = {
    channels: inChannels,
    mean: batch.normalize.mean,
    std: batch.normalize.std,
    padding: cfg.model.padding,
    encoderDepth: cfg.model.encoderDepth,
    stride: inputStrideOf(modelConfigOf(cfg, meta, inChannels)),
    mode: cfg.input.evalMode,
    size: [h, w],
  };
  return {
    arch: cfg.model.arch,
    ...meta,
    inChannels,
    normalize: { mean: [...batch.normalize.mean], std: [...batch.normalize.std] },
    inputSize: [h, w],
    evalPrep,
    backend: fitted.backend ?? '?',
    params: paramCount(model),
    createdAt: new Date().toISOString(),
    configSource: cfg.source,
  };
}

/**
 * Writes the run folder: run.json, config.json, then `last/` swapped in by rename (a preview reads the old or
 * the new checkpoint, never half of one; `last.old` covers the moment between the renames), then sanity.json.
 */
async function writeFolder(dir: string, files: { json: string; weights: Uint8Array }, info: RunInfo, fitted: FittedModel, status: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  for (const name of await fsp.readdir(dir)) if (name.startsWith('last.tmp-')) await fsp.rm(path.join(dir, name), { recursive: true, force: true });
  const tmp = path.join(dir, `last.tmp-${process.pid}`);
  await fsp.mkdir(tmp);
  const state: TrainerState = {
    epoch: 0,
    globalStep: fitted.losses.length,
    stepInEpoch: 0,
    partialLossSum: 0,
    bestMIoU: null,
    bestEpoch: null,
    backend: info.backend,
    elapsedSeconds: 0,
  };
  await fsp.writeFile(path.join(tmp, 'weights.bin'), files.weights);
  await fsp.writeFile(path.join(tmp, 'model.json'), files.json);
  await fsp.writeFile(path.join(tmp, 'state.json'), JSON.stringify(state, null, 2));
  writeTextAtomic(path.join(dir, 'run.json'), JSON.stringify(info, null, 2));
  writeTextAtomic(path.join(dir, 'config.json'), JSON.stringify(fitted.cfg, null, 2));
  const last = path.join(dir, 'last');
  const old = `${last}.old`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(last)) fs.renameSync(last, old);
  fs.renameSync(tmp, last);
  fs.rmSync(old, { recursive: true, force: true });
  const sanity: SanityModelInfo = { module: fitted.entry, status, losses: [...fitted.losses], size: [info.inputSize[0], info.inputSize[1]], savedAt: new Date().toISOString() };
  writeTextAtomic(path.join(dir, 'sanity.json'), JSON.stringify(sanity, null, 2));
}

/**
 * Rebuilds the fitted model for whole images and saves it under `<runsDir>/.sanity/`. Never throws for the
 * user's model: `skipped` says why nothing was saved. `aborted()` is asked between the steps. `fitted` stays the
 * caller's to dispose.
 */
export async function saveSanityModel(fitted: FittedModel, verdict: Pick<SanityVerdict, 'status'>, aborted: () => boolean = () => false): Promise<SaveOutcome> {
  const r = rebuild(fitted);
  if ('problem' in r) return { skipped: r.problem };
  const model = r.model;
  try {
    if (aborted()) return { aborted: true };
    let files: { json: string; weights: Uint8Array };
    try {
      files = await serialise(model);
    } catch (err) {
      return { skipped: `the model cannot be saved (${errorText(err)}): custom layers need a static className, getConfig() and tf.serialization.registerClass` };
    }
    if (aborted()) return { aborted: true };
    const dir = sanityModelDir(fitted.cfg.output.runsDir, fitted.entry);
    await writeFolder(dir, files, runInfoOf(fitted, model), fitted, verdict.status);
    return { saved: dir };
  } finally {
    model.dispose();
  }
}

/**
 * The worker's saves, one at a time: {@link schedule} after a verdict saves after {@link SAVE_DELAY_MS};
 * {@link interrupt} (a new run) drops a waiting save and stops one in progress at its next step.
 */
export class SanityModelSaver {
  private waiting: { fitted: FittedModel; timer: NodeJS.Timeout } | null = null;
  private running: Promise<void> | null = null;
  private stop = false;

  constructor(
    private readonly log: (message: string) => void,
    private readonly delayMs = SAVE_DELAY_MS,
  ) {}

  /** Takes ownership of `fitted`; a save still waiting is dropped. */
  schedule(fitted: FittedModel, verdict: Pick<SanityVerdict, 'status'>): void {
    this.dropWaiting();
    const timer = setTimeout(() => {
      this.waiting = null;
      this.stop = false;
      this.running = this.save(fitted, verdict).finally(() => (this.running = null));
    }, this.delayMs);
    this.waiting = { fitted, timer };
  }

  private async save(fitted: FittedModel, verdict: Pick<SanityVerdict, 'status'>): Promise<void> {
    const name = path.basename(fitted.entry);
    try {
      const r = await saveSanityModel(fitted, verdict, () => this.stop);
      if ('saved' in r) this.log(`sanity model of ${name} saved to ${r.saved}`);
      else if ('skipped' in r) this.log(`no sanity model saved for ${name}: ${r.skipped}`);
    } catch (err) {
      this.log(`no sanity model saved for ${name}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      disposeFitted(fitted); // a failed rebuild may leave layer variables: the worker frees them before its next run
    }
  }

  private dropWaiting(): void {
    if (!this.waiting) return;
    clearTimeout(this.waiting.timer);
    disposeFitted(this.waiting.fitted);
    this.waiting = null;
  }

  /** Drops a waiting save and waits for one in progress to stop. */
  async interrupt(): Promise<void> {
    this.dropWaiting();
    this.stop = true;
    await this.running;
  }
}
