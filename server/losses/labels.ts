/** Label helpers shared by the losses: shape checks, ignore masks and centre-cropping for valid-padding models. */
import * as tf from '@tensorflow/tfjs';
import {centerOffset} from '../models/base/centerCrop';

export const DEFAULT_IGNORE_INDEX = 255;

/**
 * Checks that `logits` is [N,H,W,C] float and `labels` is [N,H,W] int32 with the same N, H, W. `who` names the
 * caller in the message.
 */
export function checkLogitsAndLabels(logits: tf.Tensor, labels: tf.Tensor, who: string): void {
  if (logits.rank !== 4) throw new Error(`${who}: logits must be [N,H,W,classes]; got shape [${logits.shape}]`);
  if (labels.rank !== 3) {
    throw new Error(`${who}: labels must be [N,H,W] class indices; got shape [${labels.shape}] (squeeze the channel axis)`);
  }
  if (labels.dtype !== 'int32') throw new Error(`${who}: labels must be int32; got ${labels.dtype} (use tf.cast(labels, 'int32'))`);
  const [n, h, w] = logits.shape;
  const [ln, lh, lw] = labels.shape;
  if (n !== ln || h !== lh || w !== lw) {
    const hint = lh > h || lw > w ? ': a valid-padding model outputs less than its input, use centerCropLabels(labels, h, w)' : '';
    throw new Error(`${who}: logits [${logits.shape}] and labels [${labels.shape}] differ in N, H or W${hint}`);
  }
}

/** Float 0/1 mask of the pixels whose label is not `ignoreIndex`, and labels with ignored pixels set to 0. */
export function maskIgnored(labels: tf.Tensor, ignoreIndex: number): {valid: tf.Tensor; safeLabels: tf.Tensor} {
  return tf.tidy(() => {
    const keep = tf.notEqual(labels, tf.scalar(ignoreIndex, 'int32'));
    const safeLabels = tf.where(keep, labels, tf.zerosLike(labels));
    return {valid: tf.cast(keep, 'float32'), safeLabels};
  });
}

/**
 * Centre crop of [N,H,W] labels to h x w, matching the crop the valid-padding U-Net applies to its skip
 * connections (offset floor((H - h) / 2)). Use it so labels line up with a smaller model output.
 */
export function centerCropLabels(labels: tf.Tensor, h: number, w: number): tf.Tensor3D {
  if (labels.rank !== 3) throw new Error(`centerCropLabels: labels must be [N,H,W]; got shape [${labels.shape}]`);
  const [, H, W] = labels.shape;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1 || h > H || w > W) {
    throw new Error(`centerCropLabels: cannot crop labels of ${H}x${W} to ${h}x${w}; the target must be positive and no larger`);
  }
  return tf.tidy(() => tf.slice(labels, [0, centerOffset(H, h), centerOffset(W, w)], [-1, h, w]) as tf.Tensor3D);
}
