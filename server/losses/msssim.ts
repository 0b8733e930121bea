/**
 * Multi-scale structural similarity (Wang, Simoncelli & Bovik 2003) and the MS-SSIM loss of U-Net 3+ (Huang et
 * al. 2020) on softmax probabilities vs one-hot labels.
 *
 * Per image and channel, at 5 scales: Gaussian window 11, sigma 1.5, 'valid' filtering (as pytorch_msssim and
 * TF's ssim_multiscale), data range 1, C1 = 0.01^2, C2 = 0.03^2. Scales 0-3 contribute the mean contrast-structure
 * term cs, scale 4 the mean SSIM, with exponents [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]; each term is clamped
 * at 1e-6 (pytorch_msssim clamps at 0, whose power has an infinite derivative). Between scales: 2x2 average,
 * an odd side first padded by repeating its last row/column (TF's symmetric padding).
 * Small images: where a scale is smaller than 11 pixels the window shrinks to min(11, H, W) with the same sigma
 * (as jorge-pessoa/pytorch-msssim, used by the U-Net 3+ authors), so any size works.
 * Identical inputs give exactly 1: both sides go through the same operations in the same order, and means are
 * sums divided by counts.
 */
import * as tf from '@tensorflow/tfjs';
import {DEFAULT_IGNORE_INDEX, checkLogitsAndLabels} from './labels';
import {maskedProbsAndOneHot} from './overlap';

export const MS_SSIM_WEIGHTS: readonly number[] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];
export const SSIM_WINDOW = 11;
export const SSIM_SIGMA = 1.5;
const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;
const FLOOR = 1e-6;

export interface MsSsimOptions {
  /** Label value excluded from the loss (default 255): set to 0 in both probabilities and one-hot labels. */
  readonly ignoreIndex?: number;
}

/** Normalised 1-D Gaussian of `size` taps, centred at (size - 1) / 2. */
export function gaussianWindow(size: number, sigma = SSIM_SIGMA): number[] {
  const c = (size - 1) / 2;
  const g = Array.from({length: size}, (_, i) => Math.exp(-((i - c) ** 2) / (2 * sigma * sigma)));
  const s = g.reduce((a, b) => a + b, 0);
  return g.map((v) => v / s);
}

/** Separable 'valid' Gaussian filter of [B,H,W,1]. */
function blur(x: tf.Tensor4D, size: number): tf.Tensor4D {
  const g = gaussianWindow(size);
  const rows = tf.conv2d(x, tf.tensor4d(g, [size, 1, 1, 1]), 1, 'valid');
  return tf.conv2d(rows, tf.tensor4d(g, [1, size, 1, 1]), 1, 'valid');
}

/** Mean over H and W of [B,H,W,1] as sum / count, -> [B]. */
function spatialMean(x: tf.Tensor4D): tf.Tensor1D {
  const [b, h, w] = x.shape;
  return tf.div(tf.reshape(tf.sum(x, [1, 2, 3]), [b]), h * w);
}

/** Mean SSIM and mean contrast-structure term of each of the B images of x and y [B,H,W,1]. */
function ssimTerms(x: tf.Tensor4D, y: tf.Tensor4D, size: number): {ssim: tf.Tensor1D; cs: tf.Tensor1D} {
  const mx = blur(x, size);
  const my = blur(y, size);
  const mxx = tf.mul(mx, mx);
  const myy = tf.mul(my, my);
  const mxy = tf.mul(mx, my);
  const sxx = tf.sub(blur(tf.mul(x, x), size), mxx);
  const syy = tf.sub(blur(tf.mul(y, y), size), myy);
  const sxy = tf.sub(blur(tf.mul(x, y), size), mxy);
  const cs = tf.div(tf.add(tf.mul(sxy, 2), C2), tf.add(tf.add(sxx, syy), C2)) as tf.Tensor4D;
  const l = tf.div(tf.add(tf.mul(mxy, 2), C1), tf.add(tf.add(mxx, myy), C1)) as tf.Tensor4D;
  return {ssim: spatialMean(tf.mul(l, cs)), cs: spatialMean(cs)};
}

/** 2x2 average pooling of [B,H,W,1]; an odd side is padded by repeating its last row/column first. */
export function downsample2(x: tf.Tensor4D): tf.Tensor4D {
  let t: tf.Tensor4D = x;
  const [, h, w] = t.shape;
  if (h % 2 === 1) t = tf.concat([t, tf.slice(t, [0, h - 1, 0, 0], [-1, 1, -1, -1])], 1);
  if (w % 2 === 1) t = tf.concat([t, tf.slice(t, [0, 0, w - 1, 0], [-1, -1, 1, -1])], 2);
  const [b, hh, ww] = t.shape;
  const blocks = tf.reshape(t, [b, hh / 2, 2, ww / 2, 2]);
  return tf.reshape(tf.mul(tf.sum(blocks, [2, 4]), 0.25), [b, hh / 2, ww / 2, 1]);
}

/**
 * MS-SSIM of every image and channel of `a` and `b` ([N,H,W,C], values in [0, 1]); returns [N * C], image-major.
 */
export function msSsim(a: tf.Tensor, b: tf.Tensor): tf.Tensor1D {
  if (a.rank !== 4 || a.shape.some((d, i) => d !== b.shape[i]) || b.rank !== 4) {
    throw new Error(`msSsim: inputs must be two [N,H,W,C] tensors of one shape; got [${a.shape}] and [${b.shape}]`);
  }
  return tf.tidy(() => {
    const [n, h, w, c] = a.shape;
    const toMaps = (t: tf.Tensor): tf.Tensor4D => tf.reshape(tf.transpose(t, [0, 3, 1, 2]), [n * c, h, w, 1]);
    let x = toMaps(a);
    let y = toMaps(b);
    let result: tf.Tensor | null = null;
    for (let scale = 0; scale < MS_SSIM_WEIGHTS.length; scale++) {
      const weight = MS_SSIM_WEIGHTS[scale];
      const size = Math.min(SSIM_WINDOW, x.shape[1], x.shape[2]);
      const {ssim, cs} = ssimTerms(x, y, size);
      const last = scale === MS_SSIM_WEIGHTS.length - 1;
      const factor = tf.pow(tf.maximum(last ? ssim : cs, FLOOR), weight);
      result = result ? tf.mul(result, factor) : factor;
      if (!last) {
        x = downsample2(x);
        y = downsample2(y);
      }
    }
    return result as tf.Tensor1D;
  });
}

/**
 * 1 - mean over images and classes of MS-SSIM(softmax(logits), one-hot(labels)); ignored pixels are 0 in both,
 * so an all-ignored batch gives exactly 0 and zero gradients.
 */
export function msSsimLoss(logits: tf.Tensor, labels: tf.Tensor, opts: MsSsimOptions = {}): tf.Scalar {
  checkLogitsAndLabels(logits, labels, 'msSsimLoss');
  return tf.tidy(() => {
    const {p, g} = maskedProbsAndOneHot(logits, labels, opts.ignoreIndex ?? DEFAULT_IGNORE_INDEX);
    const values = msSsim(p, g);
    return tf.sub(1, tf.div(tf.sum(values), values.shape[0])) as tf.Scalar;
  });
}
