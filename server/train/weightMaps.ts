/**
 * The U-Net weight maps of the `weightedCe` loss term: computed once per training sample when the run is prepared
 * (never per step) and carried with the sample as a per-pixel weight plane, which the augmentation moves with the
 * mask and the batch builder crops like the labels. No tfjs import (the CLI's `data weights` uses it).
 */
import type { LossSpec } from '../config/schema';
import type { RawSample } from '../data/types';
import { balancedClassWeights } from '../losses/classWeights';
import { sampleWeightMap, WeightMapOptions } from '../losses/weightMap';
import { UserFacingError } from './errors';

/** A training sample, with its weight map when a loss term needs one. */
export type TrainSample = RawSample & { readonly weight?: Float32Array };

/** Pixels per class over `samples` (ignore and out-of-range values skipped). */
export function pixelCounts(samples: readonly RawSample[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const s of samples) for (const v of s.mask) if (v < classes) counts[v]++;
  return counts;
}

/** Weight-map options of a `weightedCe` term (w0 10, sigma 5 and per-mask inverse class frequency by default). */
export function weightMapOptionsOf(
  term: Pick<LossSpec, 'w0' | 'sigma' | 'classWeights'> | undefined,
  classes: number,
  ignoreIndex: number,
  train: readonly RawSample[],
): WeightMapOptions {
  const cw = term?.classWeights;
  const classWeights = cw === 'balanced' ? balancedClassWeights(pixelCounts(train, classes)) : cw;
  if (classWeights && classWeights.length !== classes) {
    throw new UserFacingError(`\`train.loss\` weightedCe classWeights has ${classWeights.length} entries but the data has ${classes} classes; give one weight per class`);
  }
  return { classes, ignoreIndex, w0: term?.w0 ?? 10, sigma: term?.sigma ?? 5, ...(classWeights ? { classWeights: [...classWeights] } : {}) };
}

/** Each sample with its weight map attached (computed here, once). */
export function attachWeightMaps(samples: readonly RawSample[], opts: WeightMapOptions): TrainSample[] {
  return samples.map((s) => ({ ...s, weight: sampleWeightMap(s, opts) }));
}
