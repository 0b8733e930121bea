/**
 * Training batches: seeded shuffling, then the augmentation pipeline of `train.augment` (server/data/augment/:
 * crop or resize, flips, turns, elastic deformation, photometric changes; image, mask and weight map always
 * together), channel conversion and normalisation. Every batch is a pure function of (seed, epoch, step) — built
 * here or in a loader worker, the bytes are the same — so a resumed run sees exactly the batches it would have seen.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../config/load';
import { mixSeed, mulberry32, shuffled } from '../data/rng';
import { centerCrop, SampleArrays } from '../data/transforms';
import { Batch, batchBuilder, BatchRecipe, BatchRequest } from '../data/augment/batch';
import { buildTrainPipeline } from '../data/augment/pipeline';
import { augmentStepsOf } from './augmentConfig';
import type { TrainSample } from './weightMaps';
import { unetOutputSize } from '../models/unet/model';
import { nearestMultiples } from '../models/base/inputSize';
import { UserFacingError } from './errors';

/** Training crop and the model output size for it. */
export interface TrainGeometry {
  readonly inputSize: [number, number];
  readonly outputSize: [number, number];
  /** With `input.padToStride` and a crop that is not a multiple of the stride: the stride to pad to; else null. */
  readonly padStride: number | null;
}

function strideError(cfg: ResolvedConfig, what: string, s: number, stride: number, model: string): UserFacingError {
  const near = nearestMultiples(s, stride).join(' or ');
  return new UserFacingError(
    `\`input.size\` ${JSON.stringify(cfg.input.size)}: input ${what} ${s} is not divisible by the output stride ${stride} of ` +
      `${model}: use ${near}, or set \`input.padToStride: true\` to mirror-pad crops to ${Math.ceil(s / stride) * stride} and crop the prediction back`,
  );
}

/**
 * Checks `input.size` against the model (its stride, or the classic U-Net's valid sizes); errors name the field
 * and the nearest fixes. `stride` is the encoder models' input multiple (the classic U-Net derives its own).
 * With `input.padToStride` a size off the stride is accepted and padded at every step.
 */
export function trainGeometry(cfg: ResolvedConfig, stride?: number): TrainGeometry {
  const size = cfg.input.size;
  const inputSize: [number, number] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  const m = cfg.model;
  const padded = m.encoderName !== undefined || m.padding === 'same';
  const s = m.encoderName && stride !== undefined ? stride : 2 ** m.encoderDepth;
  const model = m.encoderName ? `${m.arch}-${m.encoderName} (encoderDepth ${m.encoderDepth})` : `the U-Net (2^encoderDepth = ${s})`;
  if (padded && inputSize.some((v) => v % s !== 0)) {
    if (cfg.input.padToStride) return { inputSize, outputSize: inputSize, padStride: s };
    if (m.encoderName) {
      const axis = inputSize[0] % s !== 0 ? 0 : 1;
      throw strideError(cfg, axis === 0 ? 'height' : 'width', inputSize[axis], s, model);
    }
  }
  if (m.encoderName) return { inputSize, outputSize: inputSize, padStride: null };
  try {
    const [oh, ow] = unetOutputSize(m, inputSize);
    return { inputSize, outputSize: [oh as number, ow as number], padStride: null };
  } catch (err) {
    const hint = padded ? ', or set `input.padToStride: true`' : '';
    throw new UserFacingError(`\`input.size\` ${JSON.stringify(size)}: ${(err as Error).message}${hint}`);
  }
}

/** What a batch needs to know about the run. */
export interface BatchContext {
  readonly cfg: ResolvedConfig;
  readonly inChannels: number;
  readonly ignoreIndex: number;
  readonly inputSize: readonly [number, number];
  readonly outputSize: readonly [number, number];
  readonly normalize: { readonly mean: readonly number[]; readonly std: readonly number[] };
}

/** The loader's recipe for this run: `train.augment`'s steps after the crop/resize of `input.resize`. */
export function recipeOf(ctx: BatchContext): BatchRecipe {
  return {
    steps: augmentStepsOf(ctx.cfg.train.augment),
    inputSize: ctx.inputSize,
    outputSize: ctx.outputSize,
    resize: ctx.cfg.input.resize,
    inChannels: ctx.inChannels,
    normalize: ctx.normalize,
    ignoreIndex: ctx.ignoreIndex,
  };
}

function builderOf(ctx: BatchContext): ReturnType<typeof batchBuilder> {
  try {
    return batchBuilder(recipeOf(ctx));
  } catch (err) {
    throw new UserFacingError((err as Error).message);
  }
}

/** One augmented training sample (image HWC at the crop size, mask at the model's output size). */
export function augmentSample(ctx: BatchContext, sample: TrainSample, seed: number): SampleArrays {
  const r = recipeOf(ctx);
  const [h, w] = ctx.inputSize;
  const s = buildTrainPipeline(r.steps, { inputSize: [h, w], resize: r.resize, ignoreIndex: ctx.ignoreIndex })(sample, mulberry32(seed));
  const [oh, ow] = ctx.outputSize;
  // Valid convolutions: the label is the centre of the crop, as the paper's overlap-tile training.
  return oh !== h || ow !== w ? { ...s, mask: centerCrop(s, oh, ow, ctx.ignoreIndex).mask } : s;
}

/** A batch as tensors: `x` [N,H,W,C] float32, `y` [N,oh,ow] int32 and, with weight maps, `w` [N,oh,ow]. */
export interface TensorBatch {
  readonly x: tf.Tensor4D;
  readonly y: tf.Tensor3D;
  readonly w?: tf.Tensor3D;
}

/** Tensors of a loader batch. */
export function toTensors(b: Batch): TensorBatch {
  const x = tf.tensor4d(b.x, [b.size, b.height, b.width, b.channels]);
  const y = tf.tensor3d(b.y, [b.size, b.outHeight, b.outWidth], 'int32');
  return b.weight ? { x, y, w: tf.tensor3d(b.weight, [b.size, b.outHeight, b.outWidth]) } : { x, y };
}

export function disposeBatch(b: TensorBatch): void {
  tf.dispose([b.x, b.y, ...(b.w ? [b.w] : [])]);
}

/** Builds a batch from `samples`, seeding sample i with mixSeed(seed, i) (the loader workers' code, in this thread). */
export function buildBatch(ctx: BatchContext, samples: readonly TrainSample[], seed: number): TensorBatch {
  return toTensors(builderOf(ctx)(samples, { indices: samples.map((_, i) => i), seed }));
}

/** Seeded epoch-wise shuffling: batch `step` of `epoch` is the same in every process for the same seed. */
export class TrainSampler {
  private readonly perEpoch: number;
  private cachedEpoch = -1;
  private order: number[] = [];
  private build: ReturnType<typeof batchBuilder> | null = null;

  constructor(
    private readonly ctx: BatchContext & { readonly train: readonly TrainSample[] },
    stepsPerEpoch: number,
  ) {
    this.perEpoch = stepsPerEpoch * ctx.cfg.train.batchSize;
  }

  /** Sample indices of `epoch`: as many whole seeded permutations as needed, concatenated. */
  epochOrder(epoch: number): number[] {
    if (epoch !== this.cachedEpoch) {
      const n = this.ctx.train.length;
      const all = Array.from({ length: n }, (_, i) => i);
      const order: number[] = [];
      for (let k = 0; order.length < this.perEpoch; k++) {
        order.push(...shuffled(all, mulberry32(mixSeed(this.ctx.cfg.train.seed, epoch * 65536 + k))));
      }
      this.order = order.slice(0, this.perEpoch);
      this.cachedEpoch = epoch;
    }
    return this.order;
  }

  /** Which samples batch `step` (0-based) of `epoch` (1-based) takes, and the seed of their random streams. */
  request(epoch: number, step: number): BatchRequest {
    const b = this.ctx.cfg.train.batchSize;
    return {
      indices: this.epochOrder(epoch).slice(step * b, (step + 1) * b),
      seed: mixSeed(this.ctx.cfg.train.seed ^ 0x5eed, epoch * 65536 + step),
    };
  }

  /** Batch `step` of `epoch`, built in this thread (the same bytes the loader workers build). */
  batch(epoch: number, step: number): TensorBatch {
    const r = this.request(epoch, step);
    this.build ??= builderOf(this.ctx);
    return toTensors(this.build(r.indices.map((i) => this.ctx.train[i]), r));
  }
}
