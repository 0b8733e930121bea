/** The U-Net 3+ hybrid segmentation loss (Huang et al. 2020, eq. 5): focal + MS-SSIM + IoU. */
import * as tf from '@tensorflow/tfjs';
import {focalLoss} from './focal';
import {checkLogitsAndLabels} from './labels';
import {msSsimLoss} from './msssim';
import {ClassMode} from './overlap';
import {softIoULoss} from './softIoU';

export interface Unet3PlusLossOptions {
  /** Label value excluded from every term (default 255). */
  readonly ignoreIndex?: number;
  /** Focal gamma (default 2). */
  readonly gamma?: number;
  /** Focal alpha (default 1; see FocalOptions). */
  readonly alpha?: number | readonly number[];
  /** IoU smoothing (default 1). */
  readonly smooth?: number;
  /** IoU class mode (default 'present'). */
  readonly classes?: ClassMode;
}

/** focalLoss + msSsimLoss + softIoULoss, each with its defaults unless set here; all share the ignore index. */
export function unet3PlusLoss(logits: tf.Tensor, labels: tf.Tensor, opts: Unet3PlusLossOptions = {}): tf.Scalar {
  checkLogitsAndLabels(logits, labels, 'unet3PlusLoss');
  const {ignoreIndex, gamma, alpha, smooth, classes} = opts;
  return tf.tidy(() =>
    tf.addN([
      focalLoss(logits, labels, {ignoreIndex, gamma, alpha}),
      msSsimLoss(logits, labels, {ignoreIndex}),
      softIoULoss(logits, labels, {ignoreIndex, smooth, classes}),
    ]) as tf.Scalar,
  );
}
