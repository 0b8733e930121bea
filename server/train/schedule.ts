/** Learning-rate schedules, evaluated per optimisation step (MMSegmentation-style iteration schedules). */
import type { ParsedConfig } from '../config/schema';

export type ScheduleSpec = ParsedConfig['train']['schedule'];

/**
 * Learning rate at `step` (0-based) of `totalSteps`, with `stepsPerEpoch` steps per epoch.
 * - warm-up: linear from baseLr/10... to baseLr over `warmupEpochs` (from 0.1·baseLr, as mmcv's linear warm-up ratio 0.1);
 * - cosine: minLr + (baseLr − minLr)·(1 + cos(π·t))/2, t the fraction of post-warm-up steps done;
 * - poly: (baseLr − minLr)·(1 − t)^power + minLr;
 * - step: baseLr·gamma^⌊epoch / stepEpochs⌋;
 * - constant: baseLr.
 */
export function learningRateAt(
  spec: ScheduleSpec,
  baseLr: number,
  step: number,
  totalSteps: number,
  stepsPerEpoch: number,
): number {
  const warmupSteps = Math.min(totalSteps, Math.round(spec.warmupEpochs * stepsPerEpoch));
  if (step < warmupSteps) {
    const ratio = 0.1 + 0.9 * (step / warmupSteps);
    return baseLr * ratio;
  }
  const span = Math.max(1, totalSteps - warmupSteps);
  const t = Math.min(1, (step - warmupSteps) / span);
  switch (spec.type) {
    case 'constant':
      return baseLr;
    case 'cosine':
      return spec.minLr + ((baseLr - spec.minLr) * (1 + Math.cos(Math.PI * t))) / 2;
    case 'poly':
      return (baseLr - spec.minLr) * Math.pow(1 - t, spec.power) + spec.minLr;
    case 'step':
      return baseLr * Math.pow(spec.gamma, Math.floor(Math.floor(step / stepsPerEpoch) / spec.stepEpochs));
  }
}
