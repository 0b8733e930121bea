/** Soft multi-class Dice loss on softmax probabilities, with ignored pixels masked out. */
import * as tf from '@tensorflow/tfjs';
import {DEFAULT_IGNORE_INDEX, checkLogitsAndLabels, maskIgnored} from './labels';

export interface DiceOptions {
  /** Label value excluded from the loss (default 255). */
  readonly ignoreIndex?: number;
  /** Added to numerator and denominator of every class's Dice (default 1). */
  readonly smooth?: number;
  /**
   * 'present' (default): average over the classes that occur in the batch's labels (1 - Dice is 0 for a batch
   * with no labelled pixel). 'all': average over every class; an absent class then scores smooth / (sum p +
   * smooth), which pushes its probabilities towards 0.
   */
  readonly classes?: 'present' | 'all';
}

const EPS = 1e-7;

/**
 * 1 - mean over classes of (2 * sum(p * g) + smooth) / (sum(p) + sum(g) + smooth), with p the softmax of
 * `logits` [N,H,W,C] and g the one-hot int32 `labels` [N,H,W]; sums run over the whole batch (pooled, like
 * segmentation_models.pytorch) and skip ignored pixels.
 */
export function diceLoss(logits: tf.Tensor, labels: tf.Tensor, opts: DiceOptions = {}): tf.Scalar {
  checkLogitsAndLabels(logits, labels, 'diceLoss');
  const smooth = opts.smooth ?? 1;
  if (typeof smooth !== 'number' || !Number.isFinite(smooth) || smooth < 0) {
    throw new Error(`diceLoss: smooth must be a finite number >= 0; got ${JSON.stringify(smooth)}`);
  }
  const mode = opts.classes ?? 'present';
  if (mode !== 'present' && mode !== 'all') {
    throw new Error(`diceLoss: classes must be 'present' or 'all'; got ${JSON.stringify(mode)}`);
  }
  const classes = logits.shape[3] as number;
  return tf.tidy(() => {
    const {valid, safeLabels} = maskIgnored(labels, opts.ignoreIndex ?? DEFAULT_IGNORE_INDEX);
    const mask = tf.expandDims(valid, -1);
    const p = tf.mul(tf.softmax(logits, -1), mask);
    const g = tf.mul(tf.cast(tf.oneHot(safeLabels as tf.Tensor, classes), 'float32'), mask);
    const axes = [0, 1, 2];
    const intersection = tf.sum(tf.mul(p, g), axes);
    const gtSum = tf.sum(g, axes);
    const cardinality = tf.add(tf.sum(p, axes), gtSum);
    const dice = tf.div(tf.add(tf.mul(intersection, 2), smooth), tf.maximum(tf.add(cardinality, smooth), EPS));
    const perClass = tf.sub(1, dice);
    if (mode === 'all') return tf.mean(perClass) as tf.Scalar;
    const present = tf.cast(tf.greater(gtSum, 0), 'float32');
    return tf.div(tf.sum(tf.mul(perClass, present)), tf.maximum(tf.sum(present), 1)) as tf.Scalar;
  });
}
