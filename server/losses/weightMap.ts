/**
 * The U-Net paper's weight map (Ronneberger et al. 2015, eq. 2):
 *
 *   w(x) = w_c(x) + w0 * exp(-(d1(x) + d2(x))^2 / (2 sigma^2))
 *
 * w_c balances class frequencies, d1 and d2 are the distances to the nearest and the second nearest object.
 * Computed once per sample on the CPU (the trainer caches it) and fed to `weightedCrossEntropy` per batch.
 */
import {balancedClassWeights} from './classWeights';
import {Connectivity, ObjectLabels, classObjects, instanceObjects} from './components';
import {squaredDistanceTransform} from './distanceTransform';
import {DEFAULT_IGNORE_INDEX} from './labels';

export interface WeightMapOptions {
  /** Number of classes; mask values must be < classes or the ignore index. */
  readonly classes: number;
  /** Border weight (default 10). */
  readonly w0?: number;
  /** Border width in pixels (default 5). */
  readonly sigma?: number;
  /** w_c per class, e.g. dataset-wide `balancedClassWeights(counts)`. Default: from this mask (`classBalance`). */
  readonly classWeights?: readonly number[];
  /**
   * How w_c is derived from this mask's own class frequencies when `classWeights` is absent: 'inverse' (default,
   * total / (K * count_c)), 'median' (median frequency) or 'none' (w_c = 1).
   */
  readonly classBalance?: 'inverse' | 'median' | 'none';
  /** Pixels with this label get weight 0 (default 255). */
  readonly ignoreIndex?: number;
  /** Classes whose pixels are not objects (default [0]); every other class's connected components are objects. */
  readonly backgroundClasses?: readonly number[];
  /** Neighbourhood of the connected components (default 4; see components.ts). */
  readonly connectivity?: Connectivity;
  /**
   * Instance ids per pixel (0 = none, e.g. rasterised COCO instances). When given, they are the objects instead of
   * the connected components: two touching instances of one class stay two objects, so the background in the
   * notches and gaps between them gets the border weight (connected components would make them one object).
   */
  readonly instances?: ArrayLike<number>;
  /**
   * Where the border term is added: 'background' (default: pixels of a background class in no object, i.e. the
   * gaps between objects as in the paper's Fig. 3d) or 'all' (the formula taken literally; inside an object d1 = 0).
   */
  readonly borderPixels?: 'background' | 'all';
}

/** Border terms below this are dropped: objects farther than borderRadius() from a pixel do not count for it. */
const NEGLIGIBLE = 1e-7;

/**
 * Distance beyond which an object cannot change a pixel's border term by more than 1e-7:
 * d1 + d2 >= d_k > R gives w0 * exp(-R^2 / (2 sigma^2)) <= 1e-7.
 */
export function borderRadius(w0: number, sigma: number): number {
  if (w0 <= NEGLIGIBLE) return 0;
  return sigma * Math.sqrt(2 * Math.log(w0 / NEGLIGIBLE));
}

/**
 * Distances from every pixel to the nearest (d1) and second nearest (d2) object of `objects`, exact for objects
 * within `radius` (Infinity when there is no such object). Each object's distance transform runs on its bounding
 * box grown by `radius`, so the cost is about sum over objects of (box + 2 radius)^2.
 */
export function nearestTwoObjectDistances(objects: ObjectLabels, radius = Infinity): {d1: Float64Array; d2: Float64Array} {
  const {height, width, ids} = objects;
  const d1 = new Float64Array(height * width).fill(Infinity);
  const d2 = new Float64Array(height * width).fill(Infinity);
  const grow = Number.isFinite(radius) ? Math.ceil(radius) : Math.max(height, width);
  const r2 = radius * radius;
  for (let k = 0; k < objects.count; k++) {
    const id = k + 1;
    const [top, left, bottom, right] = objects.boxes[k];
    const y0 = Math.max(0, top - grow);
    const x0 = Math.max(0, left - grow);
    const bh = Math.min(height - 1, bottom + grow) - y0 + 1;
    const bw = Math.min(width - 1, right + grow) - x0 + 1;
    const sq = squaredDistanceTransform(bh, bw, (i) => ids[(y0 + Math.floor(i / bw)) * width + x0 + (i % bw)] === id);
    for (let ly = 0; ly < bh; ly++) {
      for (let lx = 0; lx < bw; lx++) {
        const d = sq[ly * bw + lx];
        if (d > r2) continue;
        const g = (y0 + ly) * width + x0 + lx;
        if (d < d1[g]) {
          d2[g] = d1[g];
          d1[g] = d;
        } else if (d < d2[g]) {
          d2[g] = d;
        }
      }
    }
  }
  for (let i = 0; i < d1.length; i++) {
    d1[i] = Math.sqrt(d1[i]);
    d2[i] = Math.sqrt(d2[i]);
  }
  return {d1, d2};
}

function checkNumber(value: unknown, name: string, min: number, strict: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (strict && value === min)) {
    throw new Error(`unetWeightMap: ${name} must be a finite number ${strict ? '>' : '>='} ${min}; got ${JSON.stringify(value)}`);
  }
  return value;
}

function classCounts(mask: ArrayLike<number>, classes: number, ignoreIndex: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i];
    if (v === ignoreIndex) continue;
    if (!(Number.isInteger(v) && v >= 0 && v < classes)) {
      throw new Error(
        `unetWeightMap: mask value ${JSON.stringify(v)} at pixel ${i} is neither a class (0..${classes - 1}) nor the ignore index ${ignoreIndex}; fix the label map`,
      );
    }
    counts[v]++;
  }
  return counts;
}

/** w_c per class: given, or from this mask's counts. */
function classTerm(opts: WeightMapOptions, counts: number[]): number[] {
  if (opts.classWeights) {
    if (opts.classWeights.length !== opts.classes) {
      throw new Error(`unetWeightMap: classWeights has ${opts.classWeights.length} entries but there are ${opts.classes} classes`);
    }
    opts.classWeights.forEach((w, c) => checkNumber(w, `classWeights[${c}]`, 0, false));
    return [...opts.classWeights];
  }
  const balance = opts.classBalance ?? 'inverse';
  if (balance !== 'inverse' && balance !== 'median' && balance !== 'none') {
    throw new Error(`unetWeightMap: classBalance ${JSON.stringify(balance)} is unknown; valid: inverse, median, none`);
  }
  if (balance === 'none' || counts.every((c) => c === 0)) return counts.map(() => 1);
  return balancedClassWeights(counts, balance);
}

/**
 * The weight map of one `height` x `width` class mask (row-major), as float32: w_c(label) plus the border term;
 * 0 on ignored pixels. With fewer than two objects near a pixel its border term is 0.
 */
export function unetWeightMap(mask: ArrayLike<number>, height: number, width: number, opts: WeightMapOptions): Float32Array {
  if (!Number.isInteger(opts.classes) || opts.classes < 1) {
    throw new Error(`unetWeightMap: classes must be a positive integer; got ${JSON.stringify(opts.classes)}`);
  }
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1 || mask.length !== height * width) {
    throw new Error(`unetWeightMap: mask has ${mask.length} values, which does not fit ${height}x${width}`);
  }
  const w0 = checkNumber(opts.w0 ?? 10, 'w0', 0, false);
  const sigma = checkNumber(opts.sigma ?? 5, 'sigma', 0, true);
  const ignoreIndex = opts.ignoreIndex ?? DEFAULT_IGNORE_INDEX;
  const borderPixels = opts.borderPixels ?? 'background';
  if (borderPixels !== 'background' && borderPixels !== 'all') {
    throw new Error(`unetWeightMap: borderPixels ${JSON.stringify(borderPixels)} is unknown; valid: background, all`);
  }
  const wc = classTerm(opts, classCounts(mask, opts.classes, ignoreIndex));
  const out = new Float32Array(height * width);
  for (let i = 0; i < out.length; i++) out[i] = mask[i] === ignoreIndex ? 0 : wc[mask[i]];
  if (w0 === 0) return out;
  const objects = opts.instances
    ? instanceObjects(opts.instances, height, width)
    : classObjects(mask, height, width, {backgroundClasses: opts.backgroundClasses, ignoreIndex, connectivity: opts.connectivity});
  if (objects.count < 2) return out;
  const {d1, d2} = nearestTwoObjectDistances(objects, borderRadius(w0, sigma));
  const twoSigma2 = 2 * sigma * sigma;
  // Without instances every non-object pixel is background or ignored; with them, foreground outside every
  // instance (e.g. a COCO crowd painted as foreground) is no gap between objects either.
  const background = new Set(opts.backgroundClasses ?? [0]);
  for (let i = 0; i < out.length; i++) {
    if (mask[i] === ignoreIndex) continue;
    if (borderPixels === 'background' && (objects.ids[i] !== 0 || !background.has(mask[i]))) continue;
    const s = d1[i] + d2[i];
    if (Number.isFinite(s)) out[i] += w0 * Math.exp(-(s * s) / twoSigma2);
  }
  return out;
}

/**
 * `unetWeightMap` of a dataset sample ({@link RawSample}-shaped: mask, height, width): its instance map (COCO)
 * gives the objects when it has one and `opts.instances` is not set; otherwise the connected components do.
 */
export function sampleWeightMap(
  sample: {readonly mask: ArrayLike<number>; readonly height: number; readonly width: number; readonly instances?: ArrayLike<number>},
  opts: WeightMapOptions,
): Float32Array {
  const instances = opts.instances ?? sample.instances;
  return unetWeightMap(sample.mask, sample.height, sample.width, instances ? {...opts, instances} : opts);
}
