/**
 * One optimisation step: the forward pass (mirror-padded to the model's stride with `input.padToStride`, every
 * mask output cropped back), the objective over all outputs, an optional L2 penalty, and the update. While the
 * encoder is frozen (`train.freezeEncoderEpochs`) its variables are left out of the gradient computation and its
 * BatchNorm statistics are restored after the step, so it stays exactly as loaded.
 */
import * as tf from '@tensorflow/tfjs';
import { cropToSize, padToStride } from '../models/registry';
import type { LossExtras } from '../losses';
import type { Objective } from './objective';

/** Layers whose names start with this belong to the encoder (every encoder in the zoo names them so). */
export const ENCODER_PREFIX = 'encoder_';

/** The model's outputs for `x` as a list; with `padStride` the input is padded and mask outputs cropped back. */
export function forwardOutputs(model: tf.LayersModel, x: tf.Tensor4D, training: boolean, padStride: number | null): tf.Tensor[] {
  if (padStride === null) {
    const out = model.apply(x, { training }) as tf.Tensor | tf.Tensor[];
    return Array.isArray(out) ? out : [out];
  }
  return tf.tidy(() => {
    const { padded, padding } = padToStride(x, padStride, 'reflect');
    const out = model.apply(padded, { training }) as tf.Tensor | tf.Tensor[];
    return (Array.isArray(out) ? out : [out]).map((o) => (o.rank === 4 ? cropToSize(o as tf.Tensor4D, padding) : o));
  });
}

/** What a step needs besides the batch. */
export interface StepContext {
  readonly model: tf.LayersModel;
  readonly objective: Objective;
  readonly weightDecay: number;
  /** Stride to pad inputs to (`input.padToStride`), or null. */
  readonly padStride: number | null;
}

export interface StepBatch {
  readonly x: tf.Tensor4D;
  readonly y: tf.Tensor3D;
  /** Per-pixel loss weights [N,H,W] (U-Net weight maps), when a loss term needs them. */
  readonly w?: tf.Tensor3D;
}

function isEncoderWeight(w: tf.LayerVariable): boolean {
  return w.originalName.startsWith(ENCODER_PREFIX);
}

/** The encoder's trainable variables of `model` (empty for models without an `encoder_*` encoder). */
export function encoderVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.filter(isEncoderWeight).map((w) => w.read() as tf.Variable);
}

/** Runs one step and returns the loss; `frozenEncoder` keeps the encoder out of the update. */
export async function trainStep(ctx: StepContext, optimizer: tf.Optimizer, batch: StepBatch, frozenEncoder = false): Promise<number> {
  const all = ctx.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const frozen = new Set(frozenEncoder ? encoderVariables(ctx.model) : []);
  const vars = frozen.size ? all.filter((v) => !frozen.has(v)) : all;
  const extras: LossExtras = batch.w ? { pixelWeights: batch.w } : {};
  const f = (): tf.Scalar => {
    const outputs = forwardOutputs(ctx.model, batch.x, true, ctx.padStride);
    let l = ctx.objective(outputs, batch.y, extras);
    if (ctx.weightDecay > 0) l = tf.add(l, tf.mul(ctx.weightDecay / 2, tf.addN(vars.map((v) => tf.sum(tf.square(v)))))) as tf.Scalar;
    return l;
  };
  if (frozen.size === 0) {
    const loss = optimizer.minimize(f, true, all)!;
    try {
      return (await loss.data())[0];
    } finally {
      loss.dispose();
    }
  }
  // BatchNorm moving statistics update in a training-mode forward pass; put the encoder's back afterwards.
  const stats = ctx.model.nonTrainableWeights.filter(isEncoderWeight);
  const saved = stats.map((w) => w.read().clone());
  const { value, grads } = tf.variableGrads(f, vars);
  const zeros: tf.Tensor[] = [];
  try {
    // Every variable keeps its place in the update (Adam indexes its slots by position): frozen ones get zero
    // gradients, which with zero moments (they were never updated) leave them unchanged.
    const full: tf.NamedTensorMap = {};
    for (const v of all) {
      if (grads[v.name]) full[v.name] = grads[v.name];
      else zeros.push((full[v.name] = tf.zerosLike(v)));
    }
    optimizer.applyGradients(full);
    stats.forEach((w, i) => w.write(saved[i]));
    return (await value.data())[0];
  } finally {
    tf.dispose([value, ...Object.values(grads), ...zeros, ...saved]);
  }
}
