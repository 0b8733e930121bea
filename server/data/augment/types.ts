/**
 * Types shared by the augmentation ops. A sample is image (HWC bytes) + mask (HW class indices) + an optional
 * per-pixel loss weight plane (HW floats, e.g. the U-Net border weight map, computed once per sample and moved
 * here with the mask so it stays aligned through every geometric op).
 */
import type { Rng } from '../rng';
import type { SampleArrays } from '../transforms';

export interface AugSample extends SampleArrays {
  /** Optional row-major HW loss weights; geometric ops move them with the mask (nearest), outside = 0. */
  readonly weight?: Float32Array;
}

/** What the image shows where a geometric op samples outside the source: mirrored pixels or a constant. */
export type Border = 'reflect' | 'constant';

/** Image interpolation; masks and weights always use nearest. */
export type Interpolation = 'nearest' | 'bilinear' | 'bicubic';

export interface WarpOptions {
  readonly interpolation: Interpolation;
  readonly border: Border;
  /** Image value for 'constant' borders (0–255, every channel). */
  readonly fill: number;
  /** Mask value outside the source image. */
  readonly ignoreIndex: number;
}

/** One augmentation: a pure function of the sample and the random stream (same stream, same result). */
export type AugmentFn = <T extends AugSample>(s: T, rng: Rng) => T;
