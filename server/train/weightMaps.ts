/**
 * The U-Net weight maps of the `weightedCe` loss term: computed once per training sample when the run is prepared
 * (never per step), before any augmentation, and carried with the sample as a per-pixel weight plane, which the
 * augmentation (in this thread or in loader workers, via packSamples) moves with the mask and the batch builder
 * crops like the labels. The objects are the sample's COCO instances when it has an instance map, else the
 * connected components of each class. Training samples then drop the instance map: the augmentation does not move
 * it, so it could only fall out of step with the mask. No tfjs import (the CLI's `data weights` uses it).
 */
import type { LossSpec } from '../config/schema';
import { RawSample, withoutInstances } from '../data/types';
import { balancedClassWeights } from '../losses/classWeights';
import { sampleWeightMap, WeightMapOptions } from '../losses/weightMap';
import { UserFacingError } from './errors';

/** A training sample: no instance map; its weight map when a loss term needs one. */
export type TrainSample = Omit<RawSample, 'instances'> & { readonly weight?: Float32Array };

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

/** Each sample with its weight map attached (computed here, once; from its instances when it has them), minus its instance map. */
export function attachWeightMaps(samples: readonly RawSample[], opts: WeightMapOptions): TrainSample[] {
  return samples.map((s) => ({ ...withoutInstances(s), weight: sampleWeightMap(s, opts) }));
}

/** The training samples of a run: with weight maps when `opts` is given (a `weightedCe` term), never with instance maps. */
export function trainSamplesOf(samples: readonly RawSample[], opts: WeightMapOptions | undefined): TrainSample[] {
  return opts ? attachWeightMaps(samples, opts) : samples.map(withoutInstances);
}
