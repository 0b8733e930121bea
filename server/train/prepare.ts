/**
 * Everything a run needs before its first step: the config (or the run's own, on resume), the run folder, the
 * samples in memory, the normalisation, the model (fresh or from the checkpoint) and the memory check.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RawSample, withoutInstances } from '../data/types';
import type { TrainEvent } from '../protocol';
import { loadConfig, ResolvedConfig } from '../config/load';
import { createModel, inputStrideOf, ModelConfig, paramCount } from '../models/registry';
import type { LossTerm } from '../losses';
import { balancedClassWeights } from '../losses';
import { peakBytesOfStep, WASM_HEAP_LIMIT_BYTES } from '../backend/memory';
import type { InferSpec } from '../infer/whole';
import { loadModel } from './checkpoint';
import { CocoDataset } from '../data/coco';
import { checkMemoryBudget, StepProfile } from './memory';
import { DatasetMeta, loadSamples, openDatasets, resolveNormalization } from './datasets';
import { buildBatch, trainGeometry } from './batches';
import { UserFacingError } from './errors';
import { withSeededRandom } from './seeded';
import { headOptions, Objective, objectiveOf } from './objective';
import { TrainSample, trainSamplesOf, weightMapOptionsOf } from './weightMaps';
import { forwardOutputs } from './step';
import { loadEncoderWeights } from './encoderWeights';
import { buildModuleModel } from '../sanity/userModule';

export interface PreparedRun {
  readonly cfg: ResolvedConfig;
  readonly runDir: string;
  readonly backend: string;
  readonly model: tf.LayersModel;
  /** Training samples, with their U-Net weight maps when a `weightedCe` term needs them. */
  readonly train: readonly TrainSample[];
  readonly val: readonly RawSample[];
  readonly classes: number;
  readonly classNames: readonly string[];
  readonly ignoreIndex: number;
  readonly inChannels: number;
  readonly lossTerms: LossTerm[];
  /** The loss over every model output (deep-supervision heads, CGM presence) built from `lossTerms`. */
  readonly objective: Objective;
  /** `input.padToStride`: the stride training crops are padded to, or null. */
  readonly padStride: number | null;
  /** Training crop [h, w] and the model's output size for it (smaller for valid padding). */
  readonly inputSize: [number, number];
  readonly outputSize: [number, number];
  readonly normalize: { mean: number[]; std: number[] };
  readonly evalPrep: InferSpec;
  /** Validation samples drawn into the per-epoch sample PNG. */
  readonly sampleIndices: number[];
  readonly memory: { estimatedBytes: number; limitBytes: number | null };
  /** Checkpoint folder the run continues from, or null for a fresh run. */
  readonly resumeFrom: string | null;
}

/** What `run.json` in every run folder holds: enough to rebuild inputs for eval and predict. */
export interface RunInfo {
  readonly arch: string;
  readonly classes: number;
  readonly classNames: readonly string[];
  readonly ignoreIndex: number;
  readonly inChannels: number;
  readonly normalize: { mean: number[]; std: number[] };
  readonly inputSize: [number, number];
  readonly evalPrep: InferSpec;
  readonly backend: string;
  readonly params: { trainable: number; nonTrainable: number };
  readonly createdAt: string;
  readonly configSource: string | null;
  /** COCO data: the category id of class c is categoryIds[c - 1] (for COCO results export). */
  readonly categoryIds?: readonly number[];
}

/** Share of the WASM heap that tensors may use; the rest is kept for XNNPACK buffers and fragmentation. */
const WASM_TENSOR_SHARE = 0.75;

function runName(cfg: ResolvedConfig): string {
  if (cfg.output.name) return cfg.output.name;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${cfg.model.arch}-${stamp}`;
}

function uniqueDir(base: string): string {
  let dir = base;
  for (let i = 2; fs.existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

/** The model-registry config for `cfg.model` (classic U-Net, or an encoder-decoder model with `encoderName`). */
export function modelConfigOf(cfg: ResolvedConfig, meta: DatasetMeta, inChannels: number): ModelConfig {
  const m = cfg.model;
  if (m.encoderName) {
    return {
      arch: m.arch,
      encoderName: m.encoderName,
      encoderDepth: m.encoderDepth,
      encoderOutputStride: m.encoderOutputStride,
      inChannels,
      classes: meta.classes,
      batchNormMomentum: m.batchNormMomentum,
      ...(m.decoderChannels !== undefined ? { decoderChannels: m.decoderChannels } : {}),
      ...headOptions(cfg, meta.classes),
    } as ModelConfig;
  }
  return {
    arch: 'unet',
    inChannels,
    classes: meta.classes,
    encoderDepth: m.encoderDepth,
    baseFilters: m.baseFilters,
    padding: m.padding,
    decoderUseBatchnorm: m.decoderUseBatchnorm,
    batchNormMomentum: m.batchNormMomentum,
    upsampling: m.upsampling,
    dropout: m.dropout,
  };
}

/** Builds the model for training (any spatial size, so validation runs on whole images), seeded by `train.seed`. */
export function buildModel(cfg: ResolvedConfig, meta: DatasetMeta, inChannels: number): tf.LayersModel {
  if (cfg.model.module) return withSeededRandom(cfg.train.seed, () => buildModuleModel(cfg, meta, inChannels));
  return withSeededRandom(cfg.train.seed, () => createModel(modelConfigOf(cfg, meta, inChannels), [null, null]));
}

/** The configured loss terms (`train.loss`) with the data's ignore index and class weights. */
export function lossTermsOf(cfg: ResolvedConfig, meta: DatasetMeta, train: readonly RawSample[]): LossTerm[] {
  const ignoreIndex = meta.ignoreIndex;
  return cfg.train.loss.map((t): LossTerm => {
    const { weight, smooth, gamma, alpha, classes, perImage } = t;
    switch (t.type) {
      case 'ce': {
        const classWeights = t.classWeights === 'balanced' ? balancedClassWeights(pixelCounts(train, meta)) : t.classWeights;
        if (classWeights && classWeights.length !== meta.classes) {
          throw new UserFacingError(
            `\`train.loss\` ce classWeights has ${classWeights.length} entries but the data has ${meta.classes} classes; give one weight per class`,
          );
        }
        return { type: 'ce', weight, ignoreIndex, classWeights: classWeights ? [...classWeights] : undefined };
      }
      case 'weightedCe':
        return { type: 'weightedCe', weight, ignoreIndex };
      case 'dice':
        return { type: 'dice', weight, ignoreIndex, smooth, classes };
      case 'iou':
        return { type: 'iou', weight, ignoreIndex, smooth, classes };
      case 'focal':
        return { type: 'focal', weight, ignoreIndex, gamma, alpha };
      case 'lovasz':
        return { type: 'lovasz', weight, ignoreIndex, classes, perImage };
      case 'msssim':
        return { type: 'msssim', weight, ignoreIndex };
      case 'unet3plus':
        return { type: 'unet3plus', weight, ignoreIndex, gamma, alpha, smooth, classes };
    }
  });
}

function pixelCounts(samples: readonly RawSample[], meta: DatasetMeta): number[] {
  const counts = new Array<number>(meta.classes).fill(0);
  for (const s of samples) for (const v of s.mask) if (v < meta.classes) counts[v]++;
  return counts;
}

/** Profiles one training step at batch 1 and 2 (gradients computed, not applied) for the memory estimate. */
async function profileStep(run: Omit<PreparedRun, 'memory' | 'objective'>): Promise<StepProfile> {
  const peak = async (batch: number): Promise<number> => {
    const { x, y } = buildBatch(run, new Array<RawSample>(batch).fill(run.train[0]), 0);
    try {
      return await peakBytesOfStep(() => {
        const vars = run.model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(() => {
          const out = forwardOutputs(run.model, x, true, run.padStride);
          return tf.addN(out.map((o) => tf.mean(tf.square(o)))) as tf.Scalar;
        }, vars);
        tf.dispose([value, ...Object.values(grads)]);
      });
    } finally {
      x.dispose();
      y.dispose();
    }
  };
  // The training-mode forward updates BatchNorm moving statistics; profiling must leave the model as it was.
  const saved = run.model.nonTrainableWeights.map((w) => w.read().clone());
  try {
    return { peakBatch1: await peak(1), peakBatch2: await peak(2) };
  } finally {
    run.model.nonTrainableWeights.forEach((w, i) => w.write(saved[i]));
    tf.dispose(saved);
  }
}

/** Prepares a training run; on resume, `resumeRunDir` is the run folder and its saved config is used. */
export async function prepareRun(
  opts: { configPath: string | null; cwd: string; backend: string; resumeFrom: string | null; resumeRunDir?: string },
  emit: (e: TrainEvent) => void,
): Promise<PreparedRun> {
  const cfg: ResolvedConfig = opts.resumeRunDir
    ? (JSON.parse(fs.readFileSync(path.join(opts.resumeRunDir, 'config.json'), 'utf8')) as ResolvedConfig)
    : loadConfig(opts.configPath ?? undefined, opts.cwd);
  const { train: trainDs, val: valDs, meta } = await openDatasets(cfg);
  emit({ type: 'log', level: 'info', message: `data: train ${trainDs.description}, val ${valDs.description}` });
  const train = await loadSamples(trainDs);
  const val = (await loadSamples(valDs)).map(withoutInstances);
  const inChannels = cfg.model.inChannels ?? (cfg.data.type === 'coco' ? 3 : train[0].channels);
  const normalize = await resolveNormalization(cfg, train, meta, inChannels);
  const stride = inputStrideOf(modelConfigOf(cfg, meta, inChannels));
  const geometry = trainGeometry(cfg, stride);
  const runDir = opts.resumeRunDir ?? uniqueDir(path.join(cfg.output.runsDir, runName(cfg)));
  const model = opts.resumeFrom ? await loadModel(opts.resumeFrom) : buildModel(cfg, meta, inChannels);
  if (!opts.resumeFrom && cfg.model.encoderWeights) {
    try {
      loadEncoderWeights(model, cfg.model.encoderWeights, emit);
    } catch (err) {
      model.dispose();
      throw err;
    }
  }
  const lossTerms = lossTermsOf(cfg, meta, train);
  const objective = objectiveOf(cfg, modelConfigOf(cfg, meta, inChannels), lossTerms, meta.ignoreIndex);
  const evalPrep: InferSpec = {
    channels: inChannels,
    mean: normalize.mean,
    std: normalize.std,
    padding: cfg.model.padding,
    encoderDepth: cfg.model.encoderDepth,
    stride,
    mode: cfg.input.evalMode,
    size: geometry.inputSize,
  };
  const sampleCount = Math.min(cfg.train.samples, val.length);
  const weighted = cfg.train.loss.find((t) => t.type === 'weightedCe');
  const trainSamples = trainSamplesOf(train, weighted ? weightMapOptionsOf(weighted, meta.classes, meta.ignoreIndex, train) : undefined);
  if (weighted) emit({ type: 'log', level: 'info', message: `weight maps: computed once for ${train.length} training images (w0 ${weighted.w0 ?? 10}, sigma ${weighted.sigma ?? 5})` });
  const base = {
    cfg,
    runDir,
    backend: opts.backend,
    model,
    train: trainSamples,
    val,
    classes: meta.classes,
    classNames: meta.classNames,
    ignoreIndex: meta.ignoreIndex,
    inChannels,
    lossTerms,
    padStride: geometry.padStride,
    inputSize: geometry.inputSize,
    outputSize: geometry.outputSize,
    normalize,
    evalPrep,
    sampleIndices: Array.from({ length: sampleCount }, (_, i) => Math.floor((i * val.length) / sampleCount)),
    resumeFrom: opts.resumeFrom,
  };
  const profile = await profileStep(base);
  const isWasm = opts.backend === 'wasm';
  const limitBytes = isWasm ? WASM_HEAP_LIMIT_BYTES : null;
  const estimatedBytes = checkMemoryBudget(
    profile,
    cfg.train.batchSize,
    geometry.inputSize,
    stride,
    limitBytes === null ? Number.POSITIVE_INFINITY : limitBytes * WASM_TENSOR_SHARE,
    'the WASM backend (4 GiB heap, 3 GiB for tensors)',
  );
  fs.mkdirSync(runDir, { recursive: true });
  if (!opts.resumeRunDir) {
    fs.writeFileSync(path.join(runDir, 'config.json'), JSON.stringify(cfg, null, 2));
    const info: RunInfo = {
      arch: cfg.model.arch,
      classes: meta.classes,
      classNames: meta.classNames,
      ignoreIndex: meta.ignoreIndex,
      inChannels,
      normalize,
      inputSize: geometry.inputSize,
      evalPrep,
      backend: opts.backend,
      params: paramCount(model),
      createdAt: new Date().toISOString(),
      configSource: cfg.source,
      ...(trainDs instanceof CocoDataset ? { categoryIds: [...trainDs.categoryIds] } : {}),
    };
    fs.writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(info, null, 2));
  }
  return { ...base, objective, memory: { estimatedBytes, limitBytes } };
}
