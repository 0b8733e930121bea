/**
 * Whole-image inference: an image of any size is mirror-padded to a size the model takes (a multiple of the
 * stride for padded models; for the paper's valid-convolution U-Net, enough context that the output covers the
 * whole image, as in the paper's overlap-tile strategy with a single tile), predicted, and cropped back, so
 * predictions and metrics are always at the image's own resolution.
 */
import * as tf from '@tensorflow/tfjs';
import type { RawSample } from '../data/types';
import { isValidUnetInputSize, validUnetOutputSize } from '../models/unet/sizes';
import { convertChannels, reflectIndex, resizeBilinear, resizeNearest } from './pixels';
import type { Predictor } from './fused';

export { convertChannels, reflectIndex, resizeBilinear, resizeNearest } from './pixels';

/** How images are turned into model inputs. */
export interface InferSpec {
  /** Model input channels (images are converted: gray → RGB by repetition, RGB → gray by luma). */
  readonly channels: number;
  /** Per-channel mean and std on the 0–1 scale. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly padding: 'same' | 'valid';
  readonly encoderDepth: number;
  /** Input multiple for padded models (default 2^encoderDepth, the classic U-Net's). */
  readonly stride?: number;
  /** 'full': the whole image at its own resolution; 'resize': scaled to `size` and the prediction scaled back. */
  readonly mode: 'full' | 'resize';
  readonly size: readonly [number, number];
}

/** Where the image sits in the model input and which part of the output is kept. */
export interface InputPlan {
  readonly inH: number;
  readonly inW: number;
  /** Mirror padding added above / left of the image. */
  readonly padTop: number;
  readonly padLeft: number;
  /** Model output size. */
  readonly outH: number;
  readonly outW: number;
}

/** Smallest valid-U-Net output size ≥ `n` and the input size that produces it. */
function validCover(n: number, depth: number): { input: number; output: number } {
  for (let input = n; ; input++) {
    if (!isValidUnetInputSize(input, depth)) continue;
    const output = validUnetOutputSize(input, depth);
    if (output >= n) return { input, output };
  }
}

/** Plans the padding for an `h`×`w` image (already resized, for 'resize' mode). */
export function planInput(h: number, w: number, spec: Pick<InferSpec, 'padding' | 'encoderDepth' | 'stride'>): InputPlan {
  if (spec.padding === 'same') {
    const stride = spec.stride ?? 2 ** spec.encoderDepth;
    const inH = Math.ceil(h / stride) * stride;
    const inW = Math.ceil(w / stride) * stride;
    return { inH, inW, padTop: 0, padLeft: 0, outH: inH, outW: inW };
  }
  const ch = validCover(h, spec.encoderDepth);
  const cw = validCover(w, spec.encoderDepth);
  return {
    inH: ch.input,
    inW: cw.input,
    padTop: (ch.input - ch.output) / 2,
    padLeft: (cw.input - cw.output) / 2,
    outH: ch.output,
    outW: cw.output,
  };
}

/** Normalised, mirror-padded float input (HWC) for one image per `plan`. */
export function makeInput(
  image: Uint8Array,
  h: number,
  w: number,
  channels: number,
  plan: InputPlan,
  spec: Pick<InferSpec, 'mean' | 'std'>,
): Float32Array {
  const { inH, inW, padTop, padLeft } = plan;
  const out = new Float32Array(inH * inW * channels);
  const scale = channels === spec.mean.length ? 1 : 0;
  for (let y = 0; y < inH; y++) {
    const sy = reflectIndex(y - padTop, h);
    for (let x = 0; x < inW; x++) {
      const sx = reflectIndex(x - padLeft, w);
      const src = (sy * w + sx) * channels;
      const dst = (y * inW + x) * channels;
      for (let c = 0; c < channels; c++) {
        const m = scale ? spec.mean[c] : spec.mean[0];
        const s = scale ? spec.std[c] : spec.std[0];
        out[dst + c] = (image[src + c] / 255 - m) / s;
      }
    }
  }
  return out;
}

/** A prepared model input for one image. */
export interface PreparedInput {
  readonly data: Float32Array;
  readonly plan: InputPlan;
  /** Size of the image that was padded (the resized size in 'resize' mode). */
  readonly h: number;
  readonly w: number;
  /** The original image size, which predictions are returned at. */
  readonly origH: number;
  readonly origW: number;
}

/** Builds the model input for a raw sample per `spec`. */
export function prepareInput(sample: RawSample, spec: InferSpec): PreparedInput {
  let img = convertChannels(sample.image, sample.height * sample.width, sample.channels, spec.channels);
  let h = sample.height;
  let w = sample.width;
  if (spec.mode === 'resize') {
    [h, w] = spec.size;
    img = resizeBilinear(img, sample.height, sample.width, spec.channels, h, w);
  }
  const plan = planInput(h, w, spec);
  return { data: makeInput(img, h, w, spec.channels, plan, spec), plan, h, w, origH: sample.height, origW: sample.width };
}

/**
 * Predicts class maps for inputs that share one plan (same padded size), in one forward pass. Returns one
 * Uint8Array per input at the original image size.
 */
export async function predictClassMaps(model: Predictor, inputs: readonly PreparedInput[], channels: number): Promise<Uint8Array[]> {
  const { plan } = inputs[0];
  const n = inputs.length;
  const batch = new Float32Array(n * plan.inH * plan.inW * channels);
  inputs.forEach((p, i) => batch.set(p.data, i * p.data.length));
  const argmax = tf.tidy(() => {
    const x = tf.tensor4d(batch, [n, plan.inH, plan.inW, channels]);
    const y = model.predict(x);
    // Multi-output models (deep supervision) are judged on their first output, as in tiled.ts.
    const logits = Array.isArray(y) ? y[0] : y;
    return tf.argMax(logits, -1);
  });
  const flat = await argmax.data();
  argmax.dispose();
  const [, oh, ow] = argmax.shape;
  return inputs.map((p, i) => {
    const crop = new Uint8Array(p.h * p.w);
    const base = i * oh * ow;
    for (let y = 0; y < p.h; y++) for (let x = 0; x < p.w; x++) crop[y * p.w + x] = flat[base + y * ow + x];
    return p.h === p.origH && p.w === p.origW ? crop : resizeNearest(crop, p.h, p.w, p.origH, p.origW);
  });
}
