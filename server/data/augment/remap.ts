/**
 * The one resampling routine behind every geometric augmentation (like OpenCV's `remap`): output pixel (y, x)
 * reads the source at the real-valued position (mapY[o], mapX[o]), o = y * outW + x.
 *
 * - A position is inside the source when its nearest pixel, (round(sy), round(sx)), is; i.e. pixels cover
 *   [-0.5, n - 0.5) on each axis.
 * - Mask and weight planes take the nearest source pixel; outside: the ignore index (mask) and 0 (weight).
 * - The image is interpolated (nearest, bilinear, or bicubic with Keys' kernel a = -0.5, which reproduces linear
 *   ramps exactly). Inside positions are first clamped to [0, n - 1] (the edge pixel centres, as OpenCV/PIL
 *   resize do); taps that still fall outside are mirrored (numpy 'reflect', OpenCV BORDER_REFLECT_101).
 *   Outside positions are mirrored with border 'reflect', or set to `fill` with border 'constant'.
 */
import { reflectIndex } from '../transforms';
import type { AugSample, WarpOptions } from './types';

/** Sampling positions for an outH×outW output. */
export interface CoordMap {
  readonly height: number;
  readonly width: number;
  readonly y: Float64Array;
  readonly x: Float64Array;
}

/** Builds a map from a function of the output pixel (called once per pixel, row-major). */
export function coordMap(height: number, width: number, at: (y: number, x: number, out: [number, number]) => void): CoordMap {
  const my = new Float64Array(height * width);
  const mx = new Float64Array(height * width);
  const p: [number, number] = [0, 0];
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o++) {
      at(y, x, p);
      my[o] = p[0];
      mx[o] = p[1];
    }
  }
  return { height, width, y: my, x: mx };
}

/** Keys cubic convolution kernel, a = -0.5 (Catmull–Rom). */
export function cubicWeight(t: number): number {
  const a = -0.5;
  const u = Math.abs(t);
  if (u <= 1) return (a + 2) * u ** 3 - (a + 3) * u * u + 1;
  if (u < 2) return a * u ** 3 - 5 * a * u * u + 8 * a * u - 4 * a;
  return 0;
}

/** The four Keys (a = -0.5) weights of taps -1, 0, 1, 2 for fractional position f (= cubicWeight(f - k + 1)). */
export function cubicWeights(f: number, w: Float64Array): void {
  const f2 = f * f;
  const f3 = f2 * f;
  w[0] = -0.5 * f3 + f2 - 0.5 * f;
  w[1] = 1.5 * f3 - 2.5 * f2 + 1;
  w[2] = -1.5 * f3 + 2 * f2 + 0.5 * f;
  w[3] = 0.5 * f3 - 0.5 * f2;
}

/** Index into [0, n): unchanged when inside, mirrored otherwise. */
function ref(i: number, n: number): number {
  return i >= 0 && i < n ? i : reflectIndex(i, n);
}

/** Per-output-pixel scratch: tap offsets (already multiplied by the row stride for y) and weights. */
interface Taps {
  readonly y: Int32Array;
  readonly x: Int32Array;
  readonly wy: Float64Array;
  readonly wx: Float64Array;
}

/** Fills the taps of position (sy, sx); returns the taps per axis (2 or 4). */
function fillTaps(t: Taps, sy: number, sx: number, H: number, W: number, interp: 'bilinear' | 'bicubic'): number {
  const y0 = Math.floor(sy);
  const x0 = Math.floor(sx);
  const fy = sy - y0;
  const fx = sx - x0;
  if (interp === 'bilinear') {
    t.y[0] = ref(y0, H) * W;
    t.y[1] = ref(y0 + 1, H) * W;
    t.x[0] = ref(x0, W);
    t.x[1] = ref(x0 + 1, W);
    t.wy[0] = 1 - fy;
    t.wy[1] = fy;
    t.wx[0] = 1 - fx;
    t.wx[1] = fx;
    return 2;
  }
  for (let k = 0; k < 4; k++) {
    t.y[k] = ref(y0 - 1 + k, H) * W;
    t.x[k] = ref(x0 - 1 + k, W);
  }
  cubicWeights(fy, t.wy);
  cubicWeights(fx, t.wx);
  return 4;
}

/** Resamples image, mask and weight of `s` through `map` (see the module comment for the rules). */
export function warp<T extends AugSample>(s: T, map: CoordMap, opts: WarpOptions): T {
  const { height: H, width: W, channels: C } = s;
  const { height: outH, width: outW } = map;
  const n = outH * outW;
  const src = s.image;
  const image = new Uint8Array(n * C);
  const mask = new Uint8Array(n);
  const weight = s.weight ? new Float32Array(n) : undefined;
  const t: Taps = { y: new Int32Array(4), x: new Int32Array(4), wy: new Float64Array(4), wx: new Float64Array(4) };
  const fill = Math.max(0, Math.min(255, Math.round(opts.fill)));
  const constant = opts.border === 'constant';
  const nearest = opts.interpolation === 'nearest';
  for (let o = 0; o < n; o++) {
    const sy = map.y[o];
    const sx = map.x[o];
    const ry = Math.round(sy);
    const rx = Math.round(sx);
    const inside = ry >= 0 && ry < H && rx >= 0 && rx < W;
    mask[o] = inside ? s.mask[ry * W + rx] : opts.ignoreIndex;
    if (weight) weight[o] = inside ? (s.weight as Float32Array)[ry * W + rx] : 0;
    if (!inside && constant) {
      image.fill(fill, o * C, (o + 1) * C);
      continue;
    }
    // Inside, positions in the half-pixel fringe are clamped to the edge pixel centres (as OpenCV/PIL resize).
    const py = inside ? (sy < 0 ? 0 : sy > H - 1 ? H - 1 : sy) : sy;
    const px = inside ? (sx < 0 ? 0 : sx > W - 1 ? W - 1 : sx) : sx;
    if (nearest) {
      const p = (inside ? ry * W + rx : ref(ry, H) * W + ref(rx, W)) * C;
      for (let c = 0; c < C; c++) image[o * C + c] = src[p + c];
      continue;
    }
    const k = fillTaps(t, py, px, H, W, opts.interpolation as 'bilinear' | 'bicubic');
    for (let c = 0; c < C; c++) {
      let acc = 0;
      for (let a = 0; a < k; a++) {
        const row = t.y[a];
        let line = 0;
        for (let b = 0; b < k; b++) line += t.wx[b] * src[(row + t.x[b]) * C + c];
        acc += t.wy[a] * line;
      }
      image[o * C + c] = acc <= 0 ? 0 : acc >= 255 ? 255 : Math.round(acc);
    }
  }
  return { ...s, height: outH, width: outW, image, mask, ...(weight ? { weight } : {}) };
}
