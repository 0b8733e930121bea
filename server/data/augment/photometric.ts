/**
 * Pixel-value augmentations (the mask and weights are untouched, except by cutout's optional `maskFill`):
 * MMSeg's PhotoMetricDistortion (brightness, contrast, saturation, hue), gamma, Gaussian noise, Gaussian blur
 * and cutout. Values are kept as floats between steps, clipped to 0–255 after each, rounded once at the end.
 */
import { gaussian, randInt, Rng, uniform } from '../rng';
import { blurPlane } from './blur';
import type { AugSample } from './types';

function toFloats(img: Uint8Array): Float64Array {
  return Float64Array.from(img);
}

function toBytes(v: Float64Array): Uint8Array {
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(v[i])));
  return out;
}

function clipInPlace(v: Float64Array): void {
  for (let i = 0; i < v.length; i++) v[i] = v[i] < 0 ? 0 : v[i] > 255 ? 255 : v[i];
}

function withImage<T extends AugSample>(s: T, image: Uint8Array): T {
  return { ...s, image };
}

/** RGB (0–255) → [hue in degrees [0, 360), saturation 0–1, value 0–255]. */
export function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  let h = 0;
  if (d > 0) {
    if (max === r) h = 60 * (((g - b) / d + 6) % 6);
    else if (max === g) h = 60 * ((b - r) / d + 2);
    else h = 60 * ((r - g) / d + 4);
  }
  return [h, max > 0 ? d / max : 0, max];
}

/** Inverse of {@link rgbToHsv}. */
export function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const c = v * s;
  const hp = (((h % 360) + 360) % 360) / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const m = v - c;
  const [r, g, b] =
    hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  return [r + m, g + m, b + m];
}

/** Scales saturation by `satFactor` and turns hue by `hueShift` degrees, in place on RGB floats. */
function adjustHsv(v: Float64Array, satFactor: number, hueShift: number): void {
  for (let i = 0; i < v.length; i += 3) {
    const [h, s, val] = rgbToHsv(v[i], v[i + 1], v[i + 2]);
    const rgb = hsvToRgb(h + hueShift, Math.min(1, s * satFactor), val);
    v[i] = rgb[0];
    v[i + 1] = rgb[1];
    v[i + 2] = rgb[2];
  }
}

export interface PhotometricOptions {
  /** Brightness offset drawn from [-delta, delta] (0–255 scale). */
  readonly brightnessDelta: number;
  readonly contrast: readonly [number, number];
  readonly saturation: readonly [number, number];
  /** Hue shift drawn from [-delta, delta] degrees (MMSeg's hue_delta 18 is in OpenCV half-degrees: 36°). */
  readonly hueDelta: number;
}

/**
 * MMSeg PhotoMetricDistortion: each part applied with probability 1/2 in MMSeg's order: brightness, then
 * contrast either first or last (a coin), saturation and hue in between. Saturation and hue need 3 channels and
 * are skipped for grayscale.
 */
export function photometricDistortion<T extends AugSample>(s: T, rng: Rng, o: PhotometricOptions): T {
  const v = toFloats(s.image);
  const coin = () => rng() < 0.5;
  const scale = (f: number) => {
    for (let i = 0; i < v.length; i++) v[i] *= f;
    clipInPlace(v);
  };
  if (coin()) {
    const beta = uniform(rng, -o.brightnessDelta, o.brightnessDelta);
    for (let i = 0; i < v.length; i++) v[i] += beta;
    clipInPlace(v);
  }
  const contrastFirst = coin();
  if (contrastFirst && coin()) scale(uniform(rng, o.contrast[0], o.contrast[1]));
  if (s.channels === 3) {
    const sat = coin() ? uniform(rng, o.saturation[0], o.saturation[1]) : 1;
    const hue = coin() ? uniform(rng, -o.hueDelta, o.hueDelta) : 0;
    if (sat !== 1 || hue !== 0) adjustHsv(v, sat, hue);
    clipInPlace(v);
  }
  if (!contrastFirst && coin()) scale(uniform(rng, o.contrast[0], o.contrast[1]));
  return withImage(s, toBytes(v));
}

/** 255 · (v / 255)^gamma with gamma drawn from `range`. */
export function randomGamma<T extends AugSample>(s: T, rng: Rng, range: readonly [number, number]): T {
  const g = uniform(rng, range[0], range[1]);
  const lut = Array.from({ length: 256 }, (_, i) => Math.round(255 * (i / 255) ** g));
  return withImage(s, Uint8Array.from(s.image, (x) => lut[x]));
}

/** Adds N(0, σ²) to every value, σ drawn from `sigma` (0–255 scale). */
export function gaussNoise<T extends AugSample>(s: T, rng: Rng, sigma: readonly [number, number]): T {
  const sd = uniform(rng, sigma[0], sigma[1]);
  const v = toFloats(s.image);
  for (let i = 0; i < v.length; i++) v[i] += sd * gaussian(rng);
  return withImage(s, toBytes(v));
}

/** Gaussian blur of each channel (edges mirrored), σ in pixels drawn from `sigma`. */
export function gaussBlur<T extends AugSample>(s: T, rng: Rng, sigma: readonly [number, number]): T {
  const sd = uniform(rng, sigma[0], sigma[1]);
  const { height: H, width: W, channels: C } = s;
  const out = new Uint8Array(s.image.length);
  const plane = new Float64Array(H * W);
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < H * W; i++) plane[i] = s.image[i * C + c];
    const b = blurPlane(plane, H, W, sd);
    for (let i = 0; i < H * W; i++) out[i * C + c] = Math.max(0, Math.min(255, Math.round(b[i])));
  }
  return withImage(s, out);
}

export interface CutoutOptions {
  /** Number of holes, an integer drawn from [lo, hi]. */
  readonly holes: readonly [number, number];
  /** Hole side as a fraction of the image side, drawn per side from [lo, hi]. */
  readonly size: readonly [number, number];
  /** Image value inside holes. */
  readonly fill: number;
  /** Mask value inside holes (MMSeg's seg_fill_in); undefined leaves the mask alone. */
  readonly maskFill?: number;
}

/** Fills random rectangles of the image (and optionally the mask) with constants. */
export function cutout<T extends AugSample>(s: T, rng: Rng, o: CutoutOptions): T {
  const { height: H, width: W, channels: C } = s;
  const image = Uint8Array.from(s.image);
  const mask = o.maskFill === undefined ? s.mask : Uint8Array.from(s.mask);
  const n = o.holes[0] + randInt(rng, o.holes[1] - o.holes[0] + 1);
  const fill = Math.max(0, Math.min(255, Math.round(o.fill)));
  for (let k = 0; k < n; k++) {
    const h = Math.min(H, Math.max(1, Math.round(uniform(rng, o.size[0], o.size[1]) * H)));
    const w = Math.min(W, Math.max(1, Math.round(uniform(rng, o.size[0], o.size[1]) * W)));
    const top = randInt(rng, H - h + 1);
    const left = randInt(rng, W - w + 1);
    for (let y = top; y < top + h; y++) {
      image.fill(fill, (y * W + left) * C, (y * W + left + w) * C);
      if (o.maskFill !== undefined) mask.fill(o.maskFill, y * W + left, y * W + left + w);
    }
  }
  return { ...s, image, mask };
}
