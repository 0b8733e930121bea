/**
 * Turning samples into a training batch: the augmentation pipeline (with the sizing step), the valid-convolution
 * label crop, channel conversion and normalisation. Pure and tf-free, so it runs unchanged in loader workers and
 * in-process; sample i of a batch uses the random stream mulberry32(mixSeed(seed, i)), so a batch is a function
 * of (samples, seed) only, whichever worker builds it.
 */
import { convertChannels } from '../../infer/pixels';
import { mixSeed, mulberry32 } from '../rng';
import { toFloat } from '../transforms';
import { buildTrainPipeline } from './pipeline';
import type { AugmentStepInput } from './spec';
import type { AugSample } from './types';

/** Everything a worker needs to build batches; plain data (it is copied to every worker). */
export interface BatchRecipe {
  /** Augmentation steps as in `train.augment` (validated again here). */
  readonly steps: readonly AugmentStepInput[];
  /** Model input [height, width]. */
  readonly inputSize: readonly [number, number];
  /** Label size: smaller than the input for valid-convolution U-Nets (centre crop, as in the paper). */
  readonly outputSize?: readonly [number, number];
  /** Sizing step prepended when `steps` has none. */
  readonly resize: 'crop' | 'resize';
  /** Model input channels (gray ↔ RGB converted). */
  readonly inChannels: number;
  /** Per-channel mean/std on the 0–1 scale, one value per model channel. */
  readonly normalize: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly ignoreIndex: number;
}

/** Which samples go into a batch and the seed of its random streams. */
export interface BatchRequest {
  readonly indices: readonly number[];
  readonly seed: number;
}

/** A ready batch: `x` [n, height, width, channels] normalised, `y` [n, outHeight, outWidth] class indices. */
export interface Batch {
  readonly indices: readonly number[];
  readonly size: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly x: Float32Array;
  readonly y: Int32Array;
  /** [n, outHeight, outWidth] loss weights, when the samples carry a weight plane. */
  readonly weight?: Float32Array;
}

/** Copies the centred oh×ow window of an h×w plane into `dst` at `at`. */
function centreCrop(src: ArrayLike<number>, h: number, w: number, oh: number, ow: number, dst: Int32Array | Float32Array, at: number): void {
  const top = Math.floor((h - oh) / 2);
  const left = Math.floor((w - ow) / 2);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) dst[at + y * ow + x] = src[(top + y) * w + left + x];
  }
}

/** Returns a function building batches per `recipe`; configuration errors surface here, not per batch. */
export function batchBuilder(recipe: BatchRecipe): (samples: readonly AugSample[], request: BatchRequest) => Batch {
  const [h, w] = recipe.inputSize;
  const [oh, ow] = recipe.outputSize ?? recipe.inputSize;
  if (oh > h || ow > w) throw new Error(`label size ${oh}x${ow} is larger than the input size ${h}x${w}`);
  const c = recipe.inChannels;
  if (recipe.normalize.mean.length !== c) {
    throw new Error(`normalisation has ${recipe.normalize.mean.length} channels but the model takes ${c}`);
  }
  const augment = buildTrainPipeline(recipe.steps, { inputSize: [h, w], resize: recipe.resize, ignoreIndex: recipe.ignoreIndex });
  return (samples, request) => {
    const n = samples.length;
    const x = new Float32Array(n * h * w * c);
    const y = new Int32Array(n * oh * ow);
    const weight = samples.some((s) => s.weight) ? new Float32Array(n * oh * ow) : undefined;
    samples.forEach((sample, i) => {
      const s = augment(sample, mulberry32(mixSeed(request.seed, i)));
      x.set(toFloat(convertChannels(s.image, h * w, s.channels, c), recipe.normalize), i * h * w * c);
      centreCrop(s.mask, h, w, oh, ow, y, i * oh * ow);
      if (weight) {
        if (!s.weight) throw new Error(`sample ${request.indices[i]} has no weight map but others in its batch do`);
        centreCrop(s.weight, h, w, oh, ow, weight, i * oh * ow);
      }
    });
    return { indices: request.indices, size: n, height: h, width: w, channels: c, outHeight: oh, outWidth: ow, x, y, weight };
  };
}
