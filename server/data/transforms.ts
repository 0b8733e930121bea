/**
 * Preprocessing and augmentation on typed arrays: pure functions (new arrays out, input untouched) that move
 * image and mask together; randomness only through the `Rng` argument, so a seed reproduces a pipeline.
 * Geometry conventions: images are HWC, masks HW; `resize` uses half-pixel centres (bilinear for the image,
 * nearest for the mask); `rot90` turns counter-clockwise like numpy.rot90; padding reflects the image
 * (numpy 'reflect': the edge pixel is not repeated) and fills the mask with the ignore index.
 */
import { Rng } from './rng';
import { DataError, SegDataset } from './types';

/** The parts of a sample the transforms touch; other fields (id, imagePath) are carried along. */
export interface SampleArrays {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly image: Uint8Array;
  readonly mask: Uint8Array;
}

export interface Normalization {
  /** Per channel, on the 0–1 scale. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

function rebuild<T extends SampleArrays>(s: T, height: number, width: number, image: Uint8Array, mask: Uint8Array): T {
  return { ...s, height, width, image, mask };
}

/** Builds an outH×outW sample where output pixel (y, x) copies source pixel `source(y, x)` (a flat HW index). */
function mapPixels<T extends SampleArrays>(s: T, outH: number, outW: number, source: (y: number, x: number) => number): T {
  const c = s.channels;
  const image = new Uint8Array(outH * outW * c);
  const mask = new Uint8Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const o = y * outW + x;
      const p = source(y, x);
      mask[o] = s.mask[p];
      for (let k = 0; k < c; k++) image[o * c + k] = s.image[p * c + k];
    }
  }
  return rebuild(s, outH, outW, image, mask);
}

/** numpy 'reflect' index into [0, n). */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** Converts an 8-bit HWC image to `channels` channels (gray↔RGB). */
export function convertChannels(img: Uint8Array, hw: number, from: number, to: number): Uint8Array {
  if (from === to) return img;
  const out = new Uint8Array(hw * to);
  if (from === 1) {
    for (let i = 0; i < hw; i++) for (let c = 0; c < to; c++) out[i * to + c] = img[i];
  } else if (from === 3 && to === 1) {
    for (let i = 0; i < hw; i++) out[i] = Math.round(0.299 * img[3 * i] + 0.587 * img[3 * i + 1] + 0.114 * img[3 * i + 2]);
  } else {
    throw new Error(`cannot convert a ${from}-channel image to ${to} channels`);
  }
  return out;
}

/**
 * The h×w window whose top-left corner is (top, left) in source coordinates; parts outside the source are
 * reflected in the image and set to `ignoreIndex` in the mask.
 */
export function cropWindow<T extends SampleArrays>(s: T, top: number, left: number, h: number, w: number, ignoreIndex = 255): T {
  const out = mapPixels(s, h, w, (y, x) => reflectIndex(top + y, s.height) * s.width + reflectIndex(left + x, s.width));
  const mask = out.mask as Uint8Array;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sy = top + y;
      const sx = left + x;
      if (sy < 0 || sy >= s.height || sx < 0 || sx >= s.width) mask[y * w + x] = ignoreIndex;
    }
  }
  return out;
}

function checkSize(h: number, w: number, what: string): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) throw new DataError(`${what}: size must be positive integers, got ${h}x${w}`);
}

/** Random h×w crop; a source smaller than the crop is reflect-padded at a random offset (mask: ignore). */
export function randomCrop<T extends SampleArrays>(s: T, h: number, w: number, rng: Rng, ignoreIndex = 255): T {
  checkSize(h, w, 'randomCrop');
  const offset = (n: number, want: number) => {
    const slack = Math.abs(n - want) + 1;
    const r = Math.min(slack - 1, Math.floor(rng() * slack));
    return n >= want ? r : -r;
  };
  const top = offset(s.height, h);
  const left = offset(s.width, w);
  return cropWindow(s, top, left, h, w, ignoreIndex);
}

/** Centred h×w crop (reflect-padded when the source is smaller; extra row/column of padding goes top/left). */
export function centerCrop<T extends SampleArrays>(s: T, h: number, w: number, ignoreIndex = 255): T {
  checkSize(h, w, 'centerCrop');
  return cropWindow(s, Math.floor((s.height - h) / 2), Math.floor((s.width - w) / 2), h, w, ignoreIndex);
}

/** Resizes to h×w: bilinear image (rounded), nearest-neighbour mask, both with half-pixel centres. */
export function resize<T extends SampleArrays>(s: T, h: number, w: number): T {
  checkSize(h, w, 'resize');
  const { height: H, width: W, channels: c } = s;
  const near = (o: number, n: number, m: number) => Math.min(m - 1, Math.floor(((o + 0.5) * m) / n));
  const maskOut = mapPixels(s, h, w, (y, x) => near(y, h, H) * W + near(x, w, W)).mask;
  const image = new Uint8Array(h * w * c);
  const axis = (o: number, n: number, m: number): [number, number, number] => {
    const src = Math.max(0, Math.min(m - 1, ((o + 0.5) * m) / n - 0.5));
    const i0 = Math.floor(src);
    return [i0, Math.min(i0 + 1, m - 1), src - i0];
  };
  for (let y = 0; y < h; y++) {
    const [y0, y1, fy] = axis(y, h, H);
    for (let x = 0; x < w; x++) {
      const [x0, x1, fx] = axis(x, w, W);
      for (let k = 0; k < c; k++) {
        const a = s.image[(y0 * W + x0) * c + k] * (1 - fx) + s.image[(y0 * W + x1) * c + k] * fx;
        const b = s.image[(y1 * W + x0) * c + k] * (1 - fx) + s.image[(y1 * W + x1) * c + k] * fx;
        image[(y * w + x) * c + k] = Math.round(a * (1 - fy) + b * fy);
      }
    }
  }
  return rebuild(s, h, w, image, maskOut);
}

/** Mirrors left–right. */
export function hflip<T extends SampleArrays>(s: T): T {
  return mapPixels(s, s.height, s.width, (y, x) => y * s.width + (s.width - 1 - x));
}

/** Mirrors top–bottom. */
export function vflip<T extends SampleArrays>(s: T): T {
  return mapPixels(s, s.height, s.width, (y, x) => (s.height - 1 - y) * s.width + x);
}

/** Rotates by k × 90° counter-clockwise (numpy.rot90); odd k swaps height and width. */
export function rot90<T extends SampleArrays>(s: T, k = 1): T {
  const { height: H, width: W } = s;
  switch (((k % 4) + 4) % 4) {
    case 1: return mapPixels(s, W, H, (y, x) => x * W + (W - 1 - y));
    case 2: return mapPixels(s, H, W, (y, x) => (H - 1 - y) * W + (W - 1 - x));
    case 3: return mapPixels(s, W, H, (y, x) => (H - 1 - x) * W + y);
    default: return mapPixels(s, H, W, (y, x) => y * W + x);
  }
}

/** 0–255 HWC bytes -> float: (v / 255 - mean[c]) / std[c]; the channel count is `mean.length`. */
export function toFloat(image: Uint8Array, norm: Normalization): Float32Array {
  const c = norm.mean.length;
  if (norm.std.length !== c) throw new DataError(`normalization: "mean" has ${c} values but "std" has ${norm.std.length}`);
  if (norm.std.some((v) => !(v > 0))) throw new DataError(`normalization: every "std" must be > 0, got ${JSON.stringify(norm.std)}`);
  if (image.length % c !== 0) throw new DataError(`normalization: ${c} channels do not divide ${image.length} values`);
  const out = new Float32Array(image.length);
  const scale = norm.std.map((sd) => 1 / (255 * sd));
  const shift = norm.mean.map((m, k) => m / norm.std[k]);
  for (let i = 0; i < image.length; i++) {
    const k = i % c;
    out[i] = image[i] * scale[k] - shift[k];
  }
  return out;
}

/** Per-channel mean and (population) standard deviation on the 0–1 scale over up to `maxSamples` evenly spaced samples. */
export async function computeMeanStd(dataset: SegDataset, maxSamples = 64): Promise<Normalization> {
  const n = Math.min(dataset.length, Math.max(1, maxSamples));
  if (dataset.length === 0) throw new DataError(`computeMeanStd: dataset ${dataset.description} is empty`);
  let sum: number[] = [];
  let sq: number[] = [];
  let count = 0;
  for (let j = 0; j < n; j++) {
    const s = await dataset.get(Math.floor((j * dataset.length) / n));
    const c = s.channels;
    if (j === 0) {
      sum = new Array<number>(c).fill(0);
      sq = new Array<number>(c).fill(0);
    } else if (c !== sum.length) throw new DataError(`computeMeanStd: sample ${s.id} has ${c} channels, the first had ${sum.length}`);
    for (let i = 0; i < s.image.length; i++) {
      const v = s.image[i] / 255;
      sum[i % c] += v;
      sq[i % c] += v * v;
    }
    count += s.height * s.width;
  }
  const mean = sum.map((v) => v / count);
  const std = sq.map((v, k) => Math.sqrt(Math.max(0, v / count - mean[k] ** 2)));
  return { mean, std };
}
