/**
 * The declarative augmentation pipeline: a list of steps `{type, ...params, p}` validated by zod (the config
 * schema embeds {@link AugmentPipeline}, so `seglab.json` and its JSON Schema get these defaults and docs).
 * `p` is the probability that a step runs; sizing steps (randomScaleCrop, randomCrop, resize) always run.
 * `size` fields default to the training crop (`input.size`).
 */
import { z } from 'zod';

const prob = (d: number) => z.number().min(0).max(1).default(d).describe('Probability that the step runs.');
const range = (lo: number, hi: number, what: string, min = -Infinity) =>
  z
    .tuple([z.number().min(min), z.number().min(min)])
    .refine(([a, b]) => a <= b, 'the first value must not exceed the second')
    .default([lo, hi])
    .describe(`${what}: [low, high], drawn uniformly.`);
const border = z
  .enum(['reflect', 'constant'])
  .default('reflect')
  .describe("Image outside the source: 'reflect' mirrors it, 'constant' uses `fill`. The mask is always the ignore index there.");
const fill = z.number().min(0).max(255).default(0).describe("Image value for border 'constant' (0-255).");
const interpolation = (d: 'nearest' | 'bilinear' | 'bicubic') =>
  z.enum(['nearest', 'bilinear', 'bicubic']).default(d).describe('Image interpolation; masks always use nearest.');
const size = z
  .union([z.number().int().positive(), z.tuple([z.number().int().positive(), z.number().int().positive()])])
  .optional()
  .describe('Output [height, width] (or one number); default: `input.size`.');
const catMaxRatio = z
  .number()
  .gt(0)
  .max(1)
  .default(1)
  .describe("MMSeg's cat_max_ratio: redraw crops (up to 10 times) in which one class covers this share or more; 1 = off.");

const Hflip = z.object({ type: z.literal('hflip'), p: prob(0.5) }).strict().describe('Left-right mirror.');
const Vflip = z.object({ type: z.literal('vflip'), p: prob(0.5) }).strict().describe('Top-bottom mirror.');
const Rot90 = z
  .object({ type: z.literal('rot90'), p: prob(1) })
  .strict()
  .describe('k x 90 degrees, k uniform in 0-3 (0 or 2 for non-square samples, which keeps their shape).');
const Rotate = z
  .object({
    type: z.literal('rotate'),
    p: prob(0.5),
    degrees: z.number().min(0).max(180).default(15).describe('Angle drawn from [-degrees, degrees], counter-clockwise.'),
    interpolation: interpolation('bilinear'),
    border,
    fill,
  })
  .strict()
  .describe('Free rotation about the centre; the size is kept.');
const RandomScaleCrop = z
  .object({
    type: z.literal('randomScaleCrop'),
    scale: range(0.5, 2, 'Scale factor', 0.01),
    size,
    catMaxRatio,
    interpolation: interpolation('bilinear'),
    border,
    fill,
  })
  .strict()
  .describe("MMSeg RandomResize(ratio_range) + RandomCrop(crop_size, cat_max_ratio), in one resampling.");
const RandomCrop = z
  .object({ type: z.literal('randomCrop'), size, catMaxRatio, border, fill })
  .strict()
  .describe('Random crop of `size` (padded when the image is smaller).');
const Resize = z
  .object({ type: z.literal('resize'), size, interpolation: interpolation('bilinear') })
  .strict()
  .describe('Resize to `size`.');
const Elastic = z
  .object({
    type: z.literal('elastic'),
    p: prob(0.5),
    grid: z.number().int().min(2).max(32).default(3).describe('Displacement grid points per side (the paper: 3).'),
    sigma: z.number().min(0).default(10).describe('Std of the grid displacements in pixels (the paper: 10).'),
    interpolation: interpolation('bicubic'),
    border,
    fill,
  })
  .strict()
  .describe("The U-Net paper's elastic deformation: coarse-grid random displacements, bicubically interpolated.");
const ElasticSimard = z
  .object({
    type: z.literal('elasticSimard'),
    p: prob(0.5),
    alpha: z.number().min(0).default(34).describe('Displacement scale in pixels.'),
    sigma: z.number().gt(0).default(4).describe('Std of the Gaussian smoothing the per-pixel random field.'),
    interpolation: interpolation('bilinear'),
    border,
    fill,
  })
  .strict()
  .describe('Simard et al. 2003 elastic deformation (smoothed per-pixel random field).');
const Photometric = z
  .object({
    type: z.literal('photometric'),
    p: prob(1),
    brightnessDelta: z.number().min(0).max(255).default(32).describe('Brightness offset from [-delta, delta] (0-255).'),
    contrast: range(0.5, 1.5, 'Contrast factor', 0),
    saturation: range(0.5, 1.5, 'Saturation factor (RGB only)', 0),
    hueDelta: z.number().min(0).max(180).default(36).describe("Hue shift from [-delta, delta] degrees (MMSeg's 18 = 36 degrees)."),
  })
  .strict()
  .describe("MMSeg PhotoMetricDistortion: each part with probability 1/2, contrast first or last.");
const Gamma = z
  .object({ type: z.literal('gamma'), p: prob(0.5), range: range(0.8, 1.2, 'Gamma', 0.01) })
  .strict()
  .describe('255 * (v / 255)^gamma.');
const GaussNoise = z
  .object({ type: z.literal('gaussNoise'), p: prob(0.5), sigma: range(3, 10, 'Noise std (0-255 scale)', 0) })
  .strict()
  .describe('Additive Gaussian noise on every pixel value.');
const GaussBlur = z
  .object({ type: z.literal('gaussBlur'), p: prob(0.5), sigma: range(0.1, 2, 'Blur std in pixels', 0.01) })
  .strict()
  .describe('Gaussian blur.');
const Cutout = z
  .object({
    type: z.literal('cutout'),
    p: prob(0.5),
    holes: z
      .tuple([z.number().int().min(1), z.number().int().min(1)])
      .refine(([a, b]) => a <= b, 'the first value must not exceed the second')
      .default([1, 3])
      .describe('Number of holes: [low, high] integers.'),
    size: range(0.05, 0.2, 'Hole side as a fraction of the image side', 0),
    fill,
    maskFill: z.number().int().min(0).max(255).optional().describe("Mask value in holes (MMSeg's seg_fill_in); default: mask unchanged."),
  })
  .strict()
  .describe('Fills random rectangles with a constant.');

export const AugmentStep = z.discriminatedUnion('type', [
  Hflip,
  Vflip,
  Rot90,
  Rotate,
  RandomScaleCrop,
  RandomCrop,
  Resize,
  Elastic,
  ElasticSimard,
  Photometric,
  Gamma,
  GaussNoise,
  GaussBlur,
  Cutout,
]);

export const AugmentPipeline = z.array(AugmentStep).describe('Augmentation steps, applied in order.');

/** A validated step with every default filled in. */
export type AugmentStep = z.output<typeof AugmentStep>;
/** A step as written in `seglab.json`. */
export type AugmentStepInput = z.input<typeof AugmentStep>;
export type AugmentType = AugmentStep['type'];

export const AUGMENT_TYPES: readonly AugmentType[] = AugmentStep.options.map((o) => o.shape.type.value);

/** Steps that set the sample size; the training pipeline gets one prepended when it has none. */
export const SIZING_TYPES: readonly AugmentType[] = ['randomScaleCrop', 'randomCrop', 'resize'];

/** Ready-made pipelines (without the sizing step, which comes from `input.resize`). */
export const AUGMENT_PRESETS: Readonly<Record<'flips' | 'unetPaper' | 'mmseg', readonly AugmentStepInput[]>> = {
  /** SegLab's default: flips and quarter turns. */
  flips: [{ type: 'hflip' }, { type: 'vflip' }, { type: 'rot90' }],
  /** The U-Net paper: shifts/rotations, gray-value variation, elastic deformation on a 3x3 grid, sigma 10. */
  unetPaper: [
    { type: 'hflip' },
    { type: 'vflip' },
    { type: 'rot90' },
    { type: 'elastic', p: 0.8 },
    { type: 'photometric' },
  ],
  /** MMSeg's standard training pipeline: resize 0.5-2x + crop with cat_max_ratio 0.75, flip, photometric. */
  mmseg: [{ type: 'randomScaleCrop', catMaxRatio: 0.75 }, { type: 'hflip' }, { type: 'photometric' }],
};

/** Validates steps; errors name `where[i].field`, quote the value and list valid types. */
export function parseAugmentSteps(raw: unknown, where = 'train.augment'): AugmentStep[] {
  const r = AugmentPipeline.safeParse(raw);
  if (r.success) return r.data;
  const lines = r.error.issues.map((issue) => {
    const field = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');
    const isType = issue.path[issue.path.length - 1] === 'type' || issue.code === 'invalid_union';
    const hint = isType ? `; valid types: ${AUGMENT_TYPES.join(', ')}` : '';
    return `\`${where}${field}\`: ${issue.message}${hint}`;
  });
  throw new Error(lines.join('\n'));
}
