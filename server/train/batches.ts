/**
 * Training batches: seeded shuffling, random crop (or resize), flips and 90° turns applied to image and mask
 * together, channel conversion and normalisation. Every batch is a pure function of (seed, epoch, step), so a
 * resumed run sees exactly the batches it would have seen.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../config/load';
import type { RawSample } from '../data/types';
import { mixSeed, mulberry32, shuffled } from '../data/rng';
import { centerCrop, hflip, randomCrop, resize, rot90, SampleArrays, toFloat, vflip } from '../data/transforms';
import { convertChannels } from '../infer/whole';
import { unetOutputSize } from '../models/unet/model';
import { UserFacingError } from './errors';

/** Training crop and the model output size for it. */
export interface TrainGeometry {
  readonly inputSize: [number, number];
  readonly outputSize: [number, number];
}

/**
 * Checks `input.size` against the model (its stride, or the classic U-Net's valid sizes); errors name the field
 * and the nearest fixes. `stride` is the encoder models' input multiple (the classic U-Net derives its own).
 */
export function trainGeometry(cfg: ResolvedConfig, stride?: number): TrainGeometry {
  const size = cfg.input.size;
  const inputSize: [number, number] = typeof size === 'number' ? [size, size] : [size[0], size[1]];
  if (cfg.model.encoderName && stride !== undefined) {
    for (const [i, what] of ['height', 'width'].entries()) {
      const s = inputSize[i];
      if (s % stride !== 0) {
        const lo = Math.floor(s / stride) * stride;
        const near = [lo, lo + stride].filter((v) => v > 0).join(' or ');
        throw new UserFacingError(
          `\`input.size\` ${JSON.stringify(size)}: input ${what} ${s} is not divisible by the output stride ${stride} of ` +
            `${cfg.model.arch}-${cfg.model.encoderName} (encoderDepth ${cfg.model.encoderDepth}): use ${near}`,
        );
      }
    }
    return { inputSize, outputSize: inputSize };
  }
  try {
    const [oh, ow] = unetOutputSize(cfg.model, inputSize);
    return { inputSize, outputSize: [oh as number, ow as number] };
  } catch (err) {
    throw new UserFacingError(`\`input.size\` ${JSON.stringify(size)}: ${(err as Error).message}`);
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

/** One augmented training sample (image HWC at the crop size, mask at the model's output size). */
export function augmentSample(ctx: BatchContext, sample: RawSample, seed: number): SampleArrays {
  const rng = mulberry32(seed);
  const [h, w] = ctx.inputSize;
  const aug = ctx.cfg.train.augment;
  let s: SampleArrays =
    ctx.cfg.input.resize === 'resize' ? resize(sample, h, w) : randomCrop(sample, h, w, rng, ctx.ignoreIndex);
  if (aug.hflip && rng() < 0.5) s = hflip(s);
  if (aug.vflip && rng() < 0.5) s = vflip(s);
  if (aug.rot90) {
    // Quarter turns keep the crop's shape only when it is square.
    const k = h === w ? Math.floor(rng() * 4) : rng() < 0.5 ? 0 : 2;
    if (k) s = rot90(s, k);
  }
  const [oh, ow] = ctx.outputSize;
  if (oh !== h || ow !== w) {
    // Valid convolutions: the label is the centre of the crop, as the paper's overlap-tile training.
    const m = centerCrop(s, oh, ow, ctx.ignoreIndex);
    s = { ...s, mask: m.mask };
  }
  return s;
}

/** Builds `x` [N,H,W,C] float32 and `y` [N,oh,ow] int32 from `samples`, seeding sample i with `seed + i`. */
export function buildBatch(
  ctx: BatchContext,
  samples: readonly RawSample[],
  seed: number,
): { x: tf.Tensor4D; y: tf.Tensor3D } {
  const [h, w] = ctx.inputSize;
  const [oh, ow] = ctx.outputSize;
  const c = ctx.inChannels;
  const x = new Float32Array(samples.length * h * w * c);
  const y = new Int32Array(samples.length * oh * ow);
  samples.forEach((sample, i) => {
    const s = augmentSample(ctx, sample, mixSeed(seed, i));
    const img = convertChannels(s.image, h * w, s.channels, c);
    x.set(toFloat(img, ctx.normalize), i * h * w * c);
    y.set(s.mask, i * oh * ow);
  });
  return { x: tf.tensor4d(x, [samples.length, h, w, c]), y: tf.tensor3d(y, [samples.length, oh, ow], 'int32') };
}

/** Seeded epoch-wise shuffling: batch `step` of `epoch` is the same in every process for the same seed. */
export class TrainSampler {
  private readonly perEpoch: number;
  private cachedEpoch = -1;
  private order: number[] = [];

  constructor(
    private readonly ctx: BatchContext & { readonly train: readonly RawSample[] },
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

  /** Batch `step` (0-based) of `epoch` (1-based). */
  batch(epoch: number, step: number): { x: tf.Tensor4D; y: tf.Tensor3D } {
    const b = this.ctx.cfg.train.batchSize;
    const idx = this.epochOrder(epoch).slice(step * b, (step + 1) * b);
    const seed = mixSeed(this.ctx.cfg.train.seed ^ 0x5eed, epoch * 65536 + step);
    return buildBatch(this.ctx, idx.map((i) => this.ctx.train[i]), seed);
  }
}
