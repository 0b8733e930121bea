/**
 * Compiles validated augmentation steps (spec.ts) into one function (sample, rng) => sample. Every random choice
 * comes from `rng`, in step order, so a seed reproduces the result exactly.
 */
import { randInt, Rng, uniform } from '../rng';
import { displace, gridDisplacement, simardDisplacement } from './elastic';
import { hflip, randomScaleCrop, resizeTo, rot90, rotate, vflip } from './geometric';
import { cutout, gaussBlur, gaussNoise, photometricDistortion, randomGamma } from './photometric';
import { AugmentStep, parseAugmentSteps, SIZING_TYPES } from './spec';
import type { AugmentFn, AugSample, Border, Interpolation, WarpOptions } from './types';

export interface PipelineOptions {
  /** Mask value for pixels that come from outside the image. */
  readonly ignoreIndex: number;
  /** Default `size` of sizing steps (the training crop, `input.size`). */
  readonly inputSize?: readonly [number, number];
}

function stepSize(step: { type: string; size?: number | [number, number] }, o: PipelineOptions, i: number): [number, number] {
  const s = step.size ?? o.inputSize;
  if (s === undefined) {
    throw new Error(`augment step ${i} (${step.type}) has no "size" and no input size was given: add "size": [height, width]`);
  }
  return typeof s === 'number' ? [s, s] : [s[0], s[1]];
}

/** One step without its probability. */
function compileStep(step: AugmentStep, o: PipelineOptions, i: number): AugmentFn {
  const warpOpts = (interpolation: Interpolation, border: Border = 'reflect', fill = 0): WarpOptions => ({
    interpolation,
    border,
    fill,
    ignoreIndex: o.ignoreIndex,
  });
  switch (step.type) {
    case 'hflip':
      return (s) => hflip(s);
    case 'vflip':
      return (s) => vflip(s);
    case 'rot90':
      return (s, rng) => {
        const k = s.height === s.width ? randInt(rng, 4) : 2 * randInt(rng, 2);
        return k ? rot90(s, k) : s;
      };
    case 'rotate': {
      const w = warpOpts(step.interpolation, step.border, step.fill);
      return (s, rng) => rotate(s, uniform(rng, -step.degrees, step.degrees), w);
    }
    case 'randomScaleCrop':
    case 'randomCrop': {
      const size = stepSize(step, o, i);
      const scale: [number, number] = step.type === 'randomCrop' ? [1, 1] : step.scale;
      const w = warpOpts(step.type === 'randomCrop' ? 'nearest' : step.interpolation, step.border, step.fill);
      return (s, rng) => randomScaleCrop(s, rng, { scale, size, catMaxRatio: step.catMaxRatio }, w);
    }
    case 'resize': {
      const [h, wd] = stepSize(step, o, i);
      const w = warpOpts(step.interpolation);
      return (s) => (s.height === h && s.width === wd ? s : resizeTo(s, h, wd, w));
    }
    case 'elastic': {
      const w = warpOpts(step.interpolation, step.border, step.fill);
      return (s, rng) => displace(s, gridDisplacement(rng, s.height, s.width, step.grid, step.sigma), w);
    }
    case 'elasticSimard': {
      const w = warpOpts(step.interpolation, step.border, step.fill);
      return (s, rng) => displace(s, simardDisplacement(rng, s.height, s.width, step.alpha, step.sigma), w);
    }
    case 'photometric':
      return (s, rng) => photometricDistortion(s, rng, step);
    case 'gamma':
      return (s, rng) => randomGamma(s, rng, step.range);
    case 'gaussNoise':
      return (s, rng) => gaussNoise(s, rng, step.sigma);
    case 'gaussBlur':
      return (s, rng) => gaussBlur(s, rng, step.sigma);
    case 'cutout':
      return (s, rng) => cutout(s, rng, step);
  }
}

/** Compiles `steps` (validated, or raw JSON which is validated here) into one seeded function. */
export function buildPipeline(steps: readonly AugmentStep[] | unknown, o: PipelineOptions): AugmentFn {
  const parsed = parseAugmentSteps(steps);
  const ops = parsed.map((step, i) => {
    const op = compileStep(step, o, i);
    const p = 'p' in step ? step.p : 1;
    const gated: AugmentFn = p >= 1 ? op : (s, rng) => (rng() < p ? op(s, rng) : s);
    return gated;
  });
  return <T extends AugSample>(s: T, rng: Rng): T => {
    let out = s;
    for (const op of ops) out = op(out, rng);
    return out;
  };
}

export interface TrainPipelineOptions extends PipelineOptions {
  readonly inputSize: readonly [number, number];
  /** Sizing step prepended when `steps` has none: a random crop or a resize to `inputSize`. */
  readonly resize: 'crop' | 'resize';
}

/**
 * The training pipeline: `steps`, with a sizing step prepended when none is present (crops first keeps the
 * other steps cheap), and a check that samples come out at `inputSize`.
 */
export function buildTrainPipeline(steps: readonly AugmentStep[] | unknown, o: TrainPipelineOptions): AugmentFn {
  const parsed = parseAugmentSteps(steps);
  const hasSizing = parsed.some((s) => SIZING_TYPES.includes(s.type));
  const all = hasSizing ? parsed : [...parseAugmentSteps([{ type: o.resize === 'crop' ? 'randomCrop' : 'resize' }]), ...parsed];
  const run = buildPipeline(all, o);
  const [h, w] = o.inputSize;
  return <T extends AugSample>(s: T, rng: Rng): T => {
    const out = run(s, rng);
    if (out.height !== h || out.width !== w) {
      throw new Error(
        `the augmentation pipeline turned a ${s.height}x${s.width} sample into ${out.height}x${out.width}, not the ` +
          `input size ${h}x${w}: end it with a randomCrop/resize step or remove size-changing steps`,
      );
    }
    return out;
  };
}
