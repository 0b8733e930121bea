/** Softmax focal loss (Lin et al. 2017) with an ignore index. */
import * as tf from '@tensorflow/tfjs';
import {DEFAULT_IGNORE_INDEX, checkLogitsAndLabels, maskIgnored} from './labels';

export interface FocalOptions {
  /** Focusing exponent gamma >= 0 (default 2); 0 gives plain (alpha-weighted) cross-entropy. */
  readonly gamma?: number;
  /**
   * Class balance alpha: a number multiplies every pixel's term (kornia's multi-class convention), one number per
   * class weights pixels by their label's alpha ([1 - a, a] is Lin et al.'s binary alpha). Default 1 (none).
   */
  readonly alpha?: number | readonly number[];
  /** Label value excluded from the loss (default 255). */
  readonly ignoreIndex?: number;
}

/** Floor of (1 - p_t) before the power, so d/dp (1 - p)^gamma stays finite for gamma < 1. */
const BASE_FLOOR = 1e-12;

function checkOptions(opts: FocalOptions, classes: number): {gamma: number; alpha: number[]} {
  const gamma = opts.gamma ?? 2;
  if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0) {
    throw new Error(`focalLoss: gamma must be a finite number >= 0; got ${JSON.stringify(gamma)}`);
  }
  const a = opts.alpha ?? 1;
  const alpha = typeof a === 'number' ? new Array<number>(classes).fill(a) : [...a];
  if (Array.isArray(a) && a.length !== classes) {
    throw new Error(`focalLoss: alpha has ${a.length} entries but the logits have ${classes} classes; give one per class or a single number`);
  }
  const bad = alpha.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v) || v < 0);
  if (bad >= 0) throw new Error(`focalLoss: alpha must be finite and >= 0; got ${JSON.stringify(opts.alpha)}`);
  return {gamma, alpha};
}

/**
 * Mean over non-ignored pixels of -alpha_y * (1 - p_y)^gamma * log p_y, with p = softmax(logits) [N,H,W,C] and
 * y the int32 label [N,H,W]. 0 with zero gradients when every pixel is ignored.
 */
export function focalLoss(logits: tf.Tensor, labels: tf.Tensor, opts: FocalOptions = {}): tf.Scalar {
  checkLogitsAndLabels(logits, labels, 'focalLoss');
  const classes = logits.shape[3] as number;
  const {gamma, alpha} = checkOptions(opts, classes);
  return tf.tidy(() => {
    const {valid, safeLabels} = maskIgnored(labels, opts.ignoreIndex ?? DEFAULT_IGNORE_INDEX);
    const oneHot = tf.cast(tf.oneHot(safeLabels, classes), 'float32');
    const logPt = tf.sum(tf.mul(oneHot, tf.logSoftmax(logits, -1)), -1);
    let term = tf.neg(logPt);
    if (gamma > 0) {
      const base = tf.maximum(tf.sub(1, tf.exp(logPt)), BASE_FLOOR);
      term = tf.mul(tf.pow(base, gamma), term);
    }
    // alpha_y as a dot product with the one-hot (no gather: its gradient is missing on wasm).
    const alphaT = tf.sum(tf.mul(oneHot, tf.tensor1d(alpha, 'float32')), -1);
    const total = tf.sum(tf.mul(tf.mul(alphaT, valid), term));
    return tf.div(total, tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
  });
}
