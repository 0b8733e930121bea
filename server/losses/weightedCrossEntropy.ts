/** Cross-entropy weighted per pixel, e.g. by the U-Net weight map (weightMap.ts). */
import * as tf from '@tensorflow/tfjs';
import {DEFAULT_IGNORE_INDEX, checkLogitsAndLabels, maskIgnored} from './labels';

export interface WeightedCrossEntropyOptions {
  /** Label value excluded from the loss (default 255). */
  readonly ignoreIndex?: number;
  /**
   * Denominator: 'pixels' (default) divides sum(w * nll) by the number of labelled pixels, i.e. the paper's
   * energy sum(w * log p) up to a constant; 'weights' divides by sum(w) (PyTorch's class-weight convention).
   */
  readonly normalize?: 'pixels' | 'weights';
}

const TINY = 1e-12;

/**
 * sum over labelled pixels of w(x) * -log softmax(logits)_y(x), divided as `normalize` says, with `pixelWeights`
 * a float32 [N,H,W] tensor (no gradient flows into it). 0 with zero gradients when every pixel is ignored.
 */
export function weightedCrossEntropy(
  logits: tf.Tensor,
  labels: tf.Tensor,
  pixelWeights: tf.Tensor,
  opts: WeightedCrossEntropyOptions = {},
): tf.Scalar {
  checkLogitsAndLabels(logits, labels, 'weightedCrossEntropy');
  if (pixelWeights.rank !== 3 || pixelWeights.shape.some((d, i) => d !== labels.shape[i])) {
    throw new Error(`weightedCrossEntropy: pixelWeights [${pixelWeights.shape}] must have the labels' shape [${labels.shape}]`);
  }
  if (pixelWeights.dtype !== 'float32') throw new Error(`weightedCrossEntropy: pixelWeights must be float32; got ${pixelWeights.dtype}`);
  const normalize = opts.normalize ?? 'pixels';
  if (normalize !== 'pixels' && normalize !== 'weights') {
    throw new Error(`weightedCrossEntropy: normalize ${JSON.stringify(normalize)} is unknown; valid: pixels, weights`);
  }
  const classes = logits.shape[3] as number;
  return tf.tidy(() => {
    const {valid, safeLabels} = maskIgnored(labels, opts.ignoreIndex ?? DEFAULT_IGNORE_INDEX);
    const oneHot = tf.cast(tf.oneHot(safeLabels, classes), 'float32');
    const nll = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits, -1)), -1));
    const w = tf.mul(pixelWeights, valid);
    const denominator = normalize === 'pixels' ? tf.sum(valid) : tf.sum(w);
    return tf.div(tf.sum(tf.mul(w, nll)), tf.maximum(denominator, TINY)) as tf.Scalar;
  });
}
