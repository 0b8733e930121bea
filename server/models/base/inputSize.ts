/**
 * Input sizes versus the model's stride: every encoder-decoder model needs height and width divisible by its
 * required stride (the deepest pyramid level's stride, so that every upsampled decoder feature lines up with its
 * skip). Either the size is rejected with the nearest valid sizes, or (`input.padToStride`) the image is padded up
 * to the next multiple and the prediction cropped back: `padToStride` / `cropToSize` below.
 */
import * as tf from '@tensorflow/tfjs';

/** Spatial input size [height, width]; null = any size. */
export type SpatialSize = readonly [number | null, number | null];

/** The multiples of `stride` just below and above `size` (one value when `size` is below the first multiple). */
export function nearestMultiples(size: number, stride: number): number[] {
  const lower = Math.floor(size / stride) * stride;
  const upper = Math.ceil(size / stride) * stride;
  if (lower < stride) return [Math.max(stride, upper)];
  return lower === upper ? [lower] : [lower, upper];
}

/** Throws when a known dimension is not a positive multiple of `stride`; the message names the fix. */
export function checkInputSize(size: SpatialSize, stride: number, what = 'the model'): void {
  (['height', 'width'] as const).forEach((dim, axis) => {
    const s = size[axis];
    if (s == null) return;
    if (!Number.isInteger(s) || s < stride || s % stride !== 0) {
      const near = nearestMultiples(Number.isFinite(s) ? s : stride, stride);
      throw new Error(
        `input ${dim} ${JSON.stringify(s)} is not divisible by the output stride ${stride} of ${what}: ` +
          `resize, crop or pad to ${near.join(' or ')}, or enable \`input.padToStride\``,
      );
    }
  });
}

/** Padding that brings an h x w image up to the next multiples of `stride` (split evenly, extra pixel after). */
export interface StridePadding {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

export function stridePadding(height: number, width: number, stride: number): StridePadding {
  const ph = Math.ceil(height / stride) * stride - height;
  const pw = Math.ceil(width / stride) * stride - width;
  return {top: Math.floor(ph / 2), bottom: ph - Math.floor(ph / 2), left: Math.floor(pw / 2), right: pw - Math.floor(pw / 2)};
}

/**
 * Pads NHWC images to multiples of `stride` ('reflect' mirrors the border, as the U-Net paper's overlap-tile
 * strategy; 'zeros' pads with 0). Returns the padded batch and the padding, for `cropToSize` on the prediction
 * and for the labels (pad them with the ignore index).
 */
export function padToStride(x: tf.Tensor4D, stride: number, mode: 'reflect' | 'zeros' = 'reflect'): {padded: tf.Tensor4D; padding: StridePadding} {
  const [, h, w] = x.shape;
  const padding = stridePadding(h, w, stride);
  const pads: [number, number][] = [[0, 0], [padding.top, padding.bottom], [padding.left, padding.right], [0, 0]];
  if (padding.top + padding.bottom + padding.left + padding.right === 0) return {padded: x.clone(), padding};
  if (mode === 'reflect' && (padding.bottom >= h || padding.right >= w)) {
    throw new Error(`cannot mirror-pad a ${h}x${w} image to a multiple of ${stride}: it is too small; use zero padding`);
  }
  const padded = mode === 'reflect' ? tf.mirrorPad(x, pads, 'reflect') : tf.pad(x, pads);
  return {padded, padding};
}

/** Undoes `padToStride` on a prediction (NHWC, same spatial size as the padded input). */
export function cropToSize(y: tf.Tensor4D, padding: StridePadding): tf.Tensor4D {
  const [, h, w, c] = y.shape;
  return tf.slice(y, [0, padding.top, padding.left, 0], [-1, h - padding.top - padding.bottom, w - padding.left - padding.right, c]);
}
