/**
 * Inference at the image's own resolution with any of three tilings and optional test-time augmentation:
 *
 * - `whole`: one window over the mirror-padded image (as whole.ts / evaluation);
 * - `slide`: MMSegmentation's sliding window for padded models (crop, stride, logits averaged per pixel);
 * - `overlapTile`: the U-Net paper's overlap-tile for valid-convolution U-Nets (output tiles with mirrored
 *   context, aligned so the result equals one big prediction).
 *
 * TTA (MMSeg's SegTTAModel): every scale × {identity, flips} variant is predicted, flipped back, its logits
 * resized bilinearly to the original size, turned into probabilities (softmax) and averaged. Without TTA the
 * logits are returned (argmax is the same either way). With `InferSpec.mode` 'resize', scales are relative to
 * `size`; the result is still at the original resolution.
 */
import type { RawSample } from '../data/types';
import { validUnetOutputSize } from '../models/unet/sizes';
import { predictTiled } from './tiled';
import type { Predictor } from './fused';
import { overlapTileSpec, slideSpec, TileSpec, wholeImageSpec } from './tiling';
import { convertChannels, Flip, flipHWC, resizeBilinear, resizeFloat } from './pixels';
import type { InferSpec } from './whole';

export type { Flip } from './pixels';

export interface InferenceOptions {
  readonly mode: 'whole' | 'slide' | 'overlapTile';
  /**
   * 'slide': the window (input = output) size, a multiple of 2^encoderDepth; default `InferSpec.size`.
   * 'overlapTile': the output tile size; default the output of an `InferSpec.size` input.
   */
  readonly crop?: readonly [number, number];
  /** 'slide': distance between windows; default 2/3 of the crop (MMSeg's 512/341), rounded up. */
  readonly stride?: readonly [number, number];
  /** Extra flipped passes: 'h' left-right, 'v' top-bottom. */
  readonly flips?: readonly Flip[];
  /** Scale factors (multi-scale TTA); default [1]. */
  readonly scales?: readonly number[];
  /** Tiles per forward pass; default 4. */
  readonly batchSize?: number;
}

export interface Prediction {
  /** Row-major H×W×classes at the original resolution. */
  readonly data: Float32Array;
  readonly classes: number;
  /** 'logits' for a single pass, 'probabilities' (averaged softmax) with TTA. */
  readonly kind: 'logits' | 'probabilities';
}

/** Softmax over the last axis, in place. */
export function softmaxInPlace(v: Float32Array, classes: number): void {
  for (let p = 0; p < v.length; p += classes) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, v[p + k]);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += v[p + k] = Math.exp(v[p + k] - max);
    for (let k = 0; k < classes; k++) v[p + k] /= sum;
  }
}

/** Index of the largest value per pixel (first one on ties). */
export function argmaxClasses(v: Float32Array, classes: number): Uint8Array {
  const out = new Uint8Array(v.length / classes);
  for (let p = 0; p < out.length; p++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (v[p * classes + k] > v[p * classes + best]) best = k;
    out[p] = best;
  }
  return out;
}

/** (v / 255 - mean) / std per channel; a single mean/std value applies to every channel. */
function normalise(img: Uint8Array, c: number, spec: Pick<InferSpec, 'mean' | 'std'>): Float32Array {
  const out = new Float32Array(img.length);
  for (let i = 0; i < img.length; i++) {
    const k = spec.mean.length === c ? i % c : 0;
    out[i] = (img[i] / 255 - spec.mean[k]) / spec.std[k];
  }
  return out;
}

/** The tiling for an h×w model input per the options. */
export function tileSpecFor(h: number, w: number, spec: InferSpec, o: InferenceOptions): TileSpec {
  if (o.mode === 'whole') return wholeImageSpec(h, w, spec);
  if (o.mode === 'slide') {
    if (spec.padding === 'valid') {
      throw new Error("inference mode 'slide' needs a padded model (model.padding 'same'); use 'overlapTile' for the valid-convolution U-Net");
    }
    const crop = o.crop ?? spec.size;
    const stride = o.stride ?? (crop.map((c) => Math.ceil((2 * c) / 3)) as [number, number]);
    return slideSpec(crop, stride, spec.encoderDepth);
  }
  if (spec.padding !== 'valid') {
    throw new Error("inference mode 'overlapTile' is for valid-convolution U-Nets (model.padding 'valid'); use 'slide' for padded models");
  }
  const tile = o.crop ?? (spec.size.map((s) => validUnetOutputSize(s, spec.encoderDepth, 'input.size')) as [number, number]);
  return overlapTileSpec(tile, spec.encoderDepth);
}

/** Logits (one pass) or averaged probabilities (TTA) for `sample` at its own resolution. */
export async function predictSample(model: Predictor, sample: RawSample, spec: InferSpec, o: InferenceOptions): Promise<Prediction> {
  const { height: H, width: W } = sample;
  const C = spec.channels;
  const img = convertChannels(sample.image, H * W, sample.channels, C);
  const [bh, bw] = spec.mode === 'resize' ? spec.size : [H, W];
  const scales = o.scales ?? [1];
  if (scales.length === 0 || scales.some((s) => !(s > 0))) throw new Error(`TTA scales must be positive numbers, got ${JSON.stringify(scales)}`);
  const flips: (Flip | null)[] = [null, ...(o.flips ?? [])];
  const variants = scales.length * flips.length;
  let acc = new Float32Array(0);
  let K = 0;
  for (const scale of scales) {
    const sh = Math.max(1, Math.round(bh * scale));
    const sw = Math.max(1, Math.round(bw * scale));
    const scaled = sh === H && sw === W ? img : resizeBilinear(img, H, W, C, sh, sw);
    const tiles = tileSpecFor(sh, sw, spec, o);
    for (const flip of flips) {
      const input = flip ? flipHWC(scaled, sh, sw, C, flip) : scaled;
      const r = await predictTiled(model, { data: normalise(input, C, spec), height: sh, width: sw, channels: C }, tiles, o.batchSize ?? 4);
      K = r.classes;
      let v = flip ? flipHWC(r.logits, sh, sw, K, flip) : r.logits;
      if (sh !== H || sw !== W) v = resizeFloat(v, sh, sw, K, H, W);
      if (variants === 1) return { data: v, classes: K, kind: 'logits' };
      softmaxInPlace(v, K);
      if (acc.length === 0) acc = new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) acc[i] += v[i] / variants;
    }
  }
  return { data: acc, classes: K, kind: 'probabilities' };
}

/** Class map of `sample` at its own resolution. */
export async function segment(model: Predictor, sample: RawSample, spec: InferSpec, o: InferenceOptions): Promise<Uint8Array> {
  const p = await predictSample(model, sample, spec, o);
  return argmaxClasses(p.data, p.classes);
}
