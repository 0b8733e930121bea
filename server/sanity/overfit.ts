/**
 * The training half of a sanity run: a forward pass on the sanity batch, K optimisation steps on it ("can it
 * overfit one batch?"), the gradient of every trainable weight at the first step, and the prediction after the
 * steps for the dashboard. Every tensor path is tidied; the caller owns the model, the batch and the optimizer.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../config/load';
import type { SampleMask, SanityDiagnostic } from '../protocol';
import type { RawSample } from '../data/types';
import { sampleMasks } from '../train/sampleMasks';
import { checkGradients, Locator } from './checks';

export type LossOf = (logits: tf.Tensor, labels: tf.Tensor) => tf.Scalar;

/** The main (first) output of `model` on `x`. */
export function mainOutput(model: tf.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor {
  const out = model.apply(x, { training }) as tf.Tensor | tf.Tensor[];
  if (!Array.isArray(out)) return out;
  for (const extra of out.slice(1)) extra.dispose();
  return out[0];
}

/**
 * Inference-mode forward pass: the main output's shape, and the loss when that shape is `expected` (null
 * otherwise; NaN when not finite).
 */
export function forward(
  model: tf.LayersModel,
  batch: { x: tf.Tensor; y: tf.Tensor },
  lossOf: LossOf,
  expected: readonly number[],
): { shape: number[]; loss: number | null } {
  let shape: number[] = [];
  let fits = false;
  const value = tf.tidy((): tf.Scalar => {
    const out = mainOutput(model, batch.x, false);
    shape = out.shape;
    fits = shape.length === expected.length && shape.every((d, i) => d === expected[i]);
    return fits ? lossOf(out, batch.y) : tf.scalar(NaN);
  });
  if (!fits) {
    value.dispose();
    return { shape, loss: null };
  }
  try {
    return { shape, loss: value.dataSync()[0] };
  } finally {
    value.dispose();
  }
}

/** The optimizer `train.optimizer` names, for the sanity steps. */
export function optimizerOf(cfg: ResolvedConfig): tf.Optimizer {
  const o = cfg.train.optimizer;
  return o.type === 'sgd' ? tf.train.momentum(o.lr, o.momentum) : tf.train.adam(o.lr);
}

export interface OverfitResult {
  /** Loss of each step, before its update (stops at the first non-finite one). */
  readonly losses: number[];
  readonly gradients: { readonly diagnostics: SanityDiagnostic[]; readonly dead: string[]; readonly weights: number; readonly seconds: number };
}

/**
 * K steps on one batch; the first computes the gradients explicitly so every weight's gradient can be checked.
 * `shouldStop` is asked before each later step (a cancelled run ends early).
 */
export async function overfit(
  model: tf.LayersModel,
  batch: { x: tf.Tensor; y: tf.Tensor },
  lossOf: LossOf,
  optimizer: tf.Optimizer,
  steps: number,
  loc: Locator,
  shouldStop: () => Promise<boolean> = async () => false,
): Promise<OverfitResult> {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const f = (): tf.Scalar => lossOf(mainOutput(model, batch.x, true), batch.y);
  const losses: number[] = [];
  const { value, grads } = tf.variableGrads(f, vars);
  let gradients: OverfitResult['gradients'];
  try {
    losses.push((await value.data())[0]);
    const t0 = performance.now();
    // A non-finite loss makes every gradient non-finite: the nan-loss diagnostic says it once, at its layer.
    const check = Number.isFinite(losses[0]) ? checkGradients(model, grads, loc) : { diagnostics: [], dead: [] };
    gradients = { ...check, weights: vars.length, seconds: (performance.now() - t0) / 1000 };
    optimizer.applyGradients(grads);
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
  for (let k = 1; k < steps && Number.isFinite(losses[losses.length - 1]) && !(await shouldStop()); k++) {
    const loss = optimizer.minimize(f, true, vars);
    if (!loss) break;
    try {
      losses.push((await loss.data())[0]);
    } finally {
      loss.dispose();
    }
  }
  return { losses, gradients };
}

/** The model's prediction for the first crop of the batch (training mode, as it was fitted), for the Sanity view. */
export async function predictionSample(model: tf.LayersModel, x: tf.Tensor, crop: RawSample): Promise<SampleMask | null> {
  const classes = tf.tidy(() => tf.argMax(mainOutput(model, x, true), -1).slice([0, 0, 0], [1, -1, -1]).cast('int32'));
  try {
    if (classes.size !== crop.height * crop.width) return null;
    const pred = Uint8Array.from(await classes.data());
    return (await sampleMasks([crop], new Map([[0, pred]])))[0] ?? null;
  } finally {
    classes.dispose();
  }
}
