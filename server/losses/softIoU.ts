/** Soft IoU (Jaccard) loss on softmax probabilities, with ignored pixels masked out. */
import * as tf from '@tensorflow/tfjs';
import {DEFAULT_IGNORE_INDEX, checkLogitsAndLabels} from './labels';
import {ClassMode, averageClasses, checkClassMode, checkSmooth, classOverlap} from './overlap';

export interface SoftIoUOptions {
  /** Label value excluded from the loss (default 255). */
  readonly ignoreIndex?: number;
  /** Added to numerator and denominator of every class's IoU (default 1). */
  readonly smooth?: number;
  /** 'present' (default): classes in the batch's labels; 'all': every class. As in diceLoss. */
  readonly classes?: ClassMode;
}

const EPS = 1e-7;

/**
 * 1 - mean over classes of (sum(p * g) + smooth) / (sum(p) + sum(g) - sum(p * g) + smooth), p = softmax(logits),
 * g = one-hot labels; sums pooled over the batch, ignored pixels skipped, 0 for a batch with no labelled pixel.
 */
export function softIoULoss(logits: tf.Tensor, labels: tf.Tensor, opts: SoftIoUOptions = {}): tf.Scalar {
  checkLogitsAndLabels(logits, labels, 'softIoULoss');
  const smooth = checkSmooth(opts.smooth ?? 1, 'softIoULoss');
  const mode = checkClassMode(opts.classes ?? 'present', 'softIoULoss');
  return tf.tidy(() => {
    const {intersection, predSum, gtSum, anyValid} = classOverlap(logits, labels, opts.ignoreIndex ?? DEFAULT_IGNORE_INDEX);
    const union = tf.sub(tf.add(predSum, gtSum), intersection);
    const iou = tf.div(tf.add(intersection, smooth), tf.maximum(tf.add(union, smooth), EPS));
    return averageClasses(tf.sub(1, iou) as tf.Tensor1D, gtSum, mode, anyValid);
  });
}
