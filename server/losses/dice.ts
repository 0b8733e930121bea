/** Soft multi-class Dice loss on softmax probabilities, with ignored pixels masked out. */
import * as tf from '@tensorflow/tfjs';
import {DEFAULT_IGNORE_INDEX, checkLogitsAndLabels} from './labels';
import {averageClasses, checkClassMode, checkSmooth, classOverlap} from './overlap';

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
 * segmentation_models.pytorch) and skip ignored pixels. A batch with no labelled pixel gives 0 (see overlap.ts).
 */
export function diceLoss(logits: tf.Tensor, labels: tf.Tensor, opts: DiceOptions = {}): tf.Scalar {
  checkLogitsAndLabels(logits, labels, 'diceLoss');
  const smooth = checkSmooth(opts.smooth ?? 1, 'diceLoss');
  const mode = checkClassMode(opts.classes ?? 'present', 'diceLoss');
  return tf.tidy(() => {
    const {intersection, predSum, gtSum, anyValid} = classOverlap(logits, labels, opts.ignoreIndex ?? DEFAULT_IGNORE_INDEX);
    const cardinality = tf.add(predSum, gtSum);
    const dice = tf.div(tf.add(tf.mul(intersection, 2), smooth), tf.maximum(tf.add(cardinality, smooth), EPS));
    return averageClasses(tf.sub(1, dice) as tf.Tensor1D, gtSum, mode, anyValid);
  });
}
