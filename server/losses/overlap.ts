/**
 * Shared pieces of the region losses (Dice, soft IoU, MS-SSIM, Lovász): masked softmax probabilities and one-hot
 * labels, per-class soft overlaps, and the averaging over classes.
 *
 * Ignore handling, the same in every region loss: an ignored pixel is removed from both the probabilities and the
 * one-hot labels (both set to 0), so it adds nothing to any sum; a batch with no labelled pixel gives exactly 0
 * with zero gradients, whatever the smoothing or the class mode.
 */
import * as tf from '@tensorflow/tfjs';
import {maskIgnored} from './labels';

export type ClassMode = 'present' | 'all';

/** Softmax probabilities and one-hot labels [N,H,W,C], zero at ignored pixels, and the valid mask [N,H,W]. */
export function maskedProbsAndOneHot(logits: tf.Tensor, labels: tf.Tensor, ignoreIndex: number): {p: tf.Tensor4D; g: tf.Tensor4D; valid: tf.Tensor3D} {
  return tf.tidy(() => {
    const classes = logits.shape[3] as number;
    const {valid, safeLabels} = maskIgnored(labels, ignoreIndex);
    const mask = tf.expandDims(valid, -1);
    const p = tf.mul(tf.softmax(logits, -1), mask) as tf.Tensor4D;
    const g = tf.mul(tf.cast(tf.oneHot(safeLabels, classes), 'float32'), mask) as tf.Tensor4D;
    return {p, g, valid: valid as tf.Tensor3D};
  });
}

/** Per-class sums over the batch: sum(p * g), sum(p), sum(g) (each [C]), and 1 if any pixel is labelled, else 0. */
export function classOverlap(
  logits: tf.Tensor,
  labels: tf.Tensor,
  ignoreIndex: number,
): {intersection: tf.Tensor1D; predSum: tf.Tensor1D; gtSum: tf.Tensor1D; anyValid: tf.Scalar} {
  return tf.tidy(() => {
    const {p, g, valid} = maskedProbsAndOneHot(logits, labels, ignoreIndex);
    const axes = [0, 1, 2];
    return {
      intersection: tf.sum(tf.mul(p, g), axes) as tf.Tensor1D,
      predSum: tf.sum(p, axes) as tf.Tensor1D,
      gtSum: tf.sum(g, axes) as tf.Tensor1D,
      anyValid: tf.cast(tf.greater(tf.sum(valid), 0), 'float32') as tf.Scalar,
    };
  });
}

/**
 * Mean of `perClass` [C] over the classes: every class ('all') or those with gtSum > 0 ('present', 0 when there
 * is none); times `anyValid`, so an all-ignored batch gives 0.
 */
export function averageClasses(perClass: tf.Tensor1D, gtSum: tf.Tensor1D, mode: ClassMode, anyValid: tf.Scalar): tf.Scalar {
  return tf.tidy(() => {
    if (mode === 'all') return tf.mul(tf.mean(perClass), anyValid) as tf.Scalar;
    const present = tf.cast(tf.greater(gtSum, 0), 'float32');
    return tf.div(tf.sum(tf.mul(perClass, present)), tf.maximum(tf.sum(present), 1)) as tf.Scalar;
  });
}

/** Checks a smoothing constant: a finite number >= 0. */
export function checkSmooth(smooth: unknown, who: string): number {
  if (typeof smooth !== 'number' || !Number.isFinite(smooth) || smooth < 0) {
    throw new Error(`${who}: smooth must be a finite number >= 0; got ${JSON.stringify(smooth)}`);
  }
  return smooth;
}

/** Checks a class mode: 'present' or 'all'. */
export function checkClassMode(mode: unknown, who: string): ClassMode {
  if (mode !== 'present' && mode !== 'all') {
    throw new Error(`${who}: classes must be 'present' or 'all'; got ${JSON.stringify(mode)}`);
  }
  return mode;
}
