/**
 * Dataset-wide evaluation: one confusion matrix accumulated over every validation pixel (mIoU = nanmean of the
 * per-class IoU of that matrix), with the mean of per-batch mIoU reported beside it, labelled as such.
 */
import type { RawSample } from '../data/types';
import type { EvalResult } from '../protocol';
import * as tf from '@tensorflow/tfjs';
import { BatchMeanIoU } from '../metrics';
import { InferSpec, predictClassMaps, prepareInput, PreparedInput } from '../infer/whole';
import { InferenceOptions, segment } from '../infer/segment';

/** Predictions in batches of `size` images: (indices, class maps at each image's own size). */
async function* predictions(
  model: tf.LayersModel,
  samples: readonly RawSample[],
  spec: InferSpec,
  size: number,
  infer: InferenceOptions | undefined,
): AsyncGenerator<{ idx: number[]; preds: Uint8Array[] }> {
  if (infer) {
    // Tiled or test-time-augmented: image by image (its windows are batched inside segment()), grouped by `size`
    // so the per-batch mIoU means the same as without.
    for (let i = 0; i < samples.length; i += size) {
      const idx = Array.from({ length: Math.min(size, samples.length - i) }, (_, k) => i + k);
      const preds: Uint8Array[] = [];
      for (const j of idx) preds.push(await segment(model, samples[j], spec, infer));
      yield { idx, preds };
    }
    return;
  }
  const inputs = samples.map((s) => prepareInput(s, spec));
  for (const idx of batchesOf(inputs, size)) {
    yield { idx, preds: await predictClassMaps(model, idx.map((i) => inputs[i]), spec.channels) };
  }
}

export interface EvalOptions {
  /** Images per forward pass; also the batch over which the per-batch mIoU is computed. */
  readonly batchSize: number;
  readonly classes: number;
  readonly classNames: readonly string[];
  readonly ignoreIndex: number;
  /** Indices of samples whose predictions are returned (for sample PNGs), or 'all'. */
  readonly keep?: readonly number[] | 'all';
  /** Tiling and test-time augmentation (`infer`); default one whole-image pass, images batched. */
  readonly infer?: InferenceOptions;
}

export interface EvalOutput {
  readonly result: EvalResult;
  /** Predicted class maps (original size) of the kept samples, by sample index. */
  readonly kept: Map<number, Uint8Array>;
}

/** Plain numbers for JSON: NaN (absent class) becomes null. */
function nullable(values: ArrayLike<number>): (number | null)[] {
  return Array.from(values, (v) => (Number.isNaN(v) ? null : v));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Groups consecutive sample indices with the same padded input size into batches of at most `size`. */
function batchesOf(inputs: readonly PreparedInput[], size: number): number[][] {
  const groups = new Map<string, number[]>();
  inputs.forEach((p, i) => {
    const key = `${p.plan.inH}x${p.plan.inW}`;
    const g = groups.get(key) ?? [];
    g.push(i);
    groups.set(key, g);
  });
  const out: number[][] = [];
  for (const g of groups.values()) for (let i = 0; i < g.length; i += size) out.push(g.slice(i, i + size));
  return out;
}

/** Evaluates `model` on `samples`; predictions are made at each image's own resolution. */
export async function evaluate(
  model: tf.LayersModel,
  samples: readonly RawSample[],
  spec: InferSpec,
  opts: EvalOptions,
  onPrediction?: (index: number, pred: Uint8Array) => Promise<void> | void,
): Promise<EvalOutput> {
  const batchMean = new BatchMeanIoU(opts.classes, opts.ignoreIndex);
  const kept = new Map<number, Uint8Array>();
  const keepAll = opts.keep === 'all';
  const keepSet = new Set(keepAll ? [] : (opts.keep ?? []));
  for await (const { idx, preds } of predictions(model, samples, spec, opts.batchSize, opts.infer)) {
    for (let k = 0; k < idx.length; k++) {
      if (keepAll || keepSet.has(idx[k])) kept.set(idx[k], preds[k]);
      if (onPrediction) await onPrediction(idx[k], preds[k]);
    }
    batchMean.update(concat(preds), concat(idx.map((i) => samples[i].mask)));
  }
  const cm = batchMean.dataset;
  const result: EvalResult = {
    mIoU: cm.mIoU(),
    perClassIoU: nullable(cm.perClassIoU()),
    perClassDice: nullable(cm.perClassDice()),
    pixelAccuracy: cm.pixelAccuracy(),
    meanClassAccuracy: cm.meanClassAccuracy(),
    batchMeanIoU: batchMean.batchMean(),
    explanation: batchMean.explainDifference(),
    confusion: cm.toJSON().matrix,
    classNames: opts.classNames,
    images: samples.length,
  };
  return { result, kept };
}
