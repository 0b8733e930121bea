/** Pixel-wise softmax cross-entropy with an ignore index and optional class weights (PyTorch semantics). */
import * as tf from '@tensorflow/tfjs';
import {DEFAULT_IGNORE_INDEX, checkLogitsAndLabels, maskIgnored} from './labels';

export interface CrossEntropyOptions {
  /** One weight per class; the loss is sum(w_y * nll) / sum(w_y) over non-ignored pixels, as in PyTorch. */
  readonly classWeights?: readonly number[];
  /** Label value excluded from the loss (default 255). */
  readonly ignoreIndex?: number;
}

/** Smallest denominator: a batch with no counted pixel gives 0 / TINY = 0 and zero gradients, not NaN. */
const TINY = 1e-12;

function checkClassWeights(weights: readonly number[], classes: number): void {
  if (weights.length !== classes) {
    throw new Error(`crossEntropy: classWeights has ${weights.length} entries but the logits have ${classes} classes`);
  }
  const bad = weights.findIndex((w) => typeof w !== 'number' || !Number.isFinite(w) || w < 0);
  if (bad >= 0) throw new Error(`crossEntropy: classWeights[${bad}] = ${JSON.stringify(weights[bad])} must be a finite number >= 0`);
}

/**
 * Mean cross-entropy of `logits` [N,H,W,C] against int32 `labels` [N,H,W] over the non-ignored pixels, weighted
 * by `classWeights[label]` when given. Returns 0 (with zero gradients) when every pixel is ignored.
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, opts: CrossEntropyOptions = {}): tf.Scalar {
  checkLogitsAndLabels(logits, labels, 'crossEntropy');
  const classes = logits.shape[3] as number;
  if (opts.classWeights) checkClassWeights(opts.classWeights, classes);
  return tf.tidy(() => {
    const {valid, safeLabels} = maskIgnored(labels, opts.ignoreIndex ?? DEFAULT_IGNORE_INDEX);
    const oneHot = tf.cast(tf.oneHot(safeLabels as tf.Tensor, classes), 'float32');
    const nll = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits, -1)), -1));
    const weights = opts.classWeights
      ? tf.mul(tf.gather(tf.tensor1d(opts.classWeights as number[], 'float32'), safeLabels), valid)
      : valid;
    const total = tf.sum(tf.mul(weights, nll));
    return tf.div(total, tf.maximum(tf.sum(weights), TINY)) as tf.Scalar;
  });
}
