/**
 * Geometric augmentations: flips, quarter turns, free rotation, scaling, resizing and crops (with MMSeg's
 * `cat_max_ratio`). Each builds a coordinate map and resamples image, mask and weights together through
 * {@link warp}, so the three can never drift apart. Conventions follow ../transforms.ts: `rot90` turns
 * counter-clockwise like numpy.rot90, scaling uses half-pixel centres, crops larger than the image pad (mask:
 * ignore index).
 */
import type { Rng } from '../rng';
import { uniform } from '../rng';
import { coordMap, warp } from './remap';
import type { AugSample, WarpOptions } from './types';

/** Nearest-neighbour, mirrored borders: the exact options for integer maps (flips, turns, crops). */
export function exactWarp(ignoreIndex: number): WarpOptions {
  return { interpolation: 'nearest', border: 'reflect', fill: 0, ignoreIndex };
}

/** Mirrors left–right. */
export function hflip<T extends AugSample>(s: T): T {
  const W = s.width;
  return warp(s, coordMap(s.height, W, (y, x, p) => ((p[0] = y), (p[1] = W - 1 - x))), exactWarp(255));
}

/** Mirrors top–bottom. */
export function vflip<T extends AugSample>(s: T): T {
  const H = s.height;
  return warp(s, coordMap(H, s.width, (y, x, p) => ((p[0] = H - 1 - y), (p[1] = x))), exactWarp(255));
}

/** Rotates by k × 90° counter-clockwise (numpy.rot90); odd k swaps height and width. */
export function rot90<T extends AugSample>(s: T, k: number): T {
  const { height: H, width: W } = s;
  const q = ((k % 4) + 4) % 4;
  const outH = q % 2 ? W : H;
  const outW = q % 2 ? H : W;
  const map = coordMap(outH, outW, (y, x, p) => {
    p[0] = q === 0 ? y : q === 1 ? x : q === 2 ? H - 1 - y : H - 1 - x;
    p[1] = q === 0 ? x : q === 1 ? W - 1 - y : q === 2 ? W - 1 - x : y;
  });
  return warp(s, map, exactWarp(255));
}

/**
 * Rotates by `degrees` counter-clockwise (as displayed, y down) about the image centre ((H-1)/2, (W-1)/2); the
 * output keeps the input size, so corners come from outside the source (border rule of `opts`).
 */
export function rotate<T extends AugSample>(s: T, degrees: number, opts: WarpOptions): T {
  const { height: H, width: W } = s;
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const cy = (H - 1) / 2;
  const cx = (W - 1) / 2;
  const map = coordMap(H, W, (y, x, p) => {
    const u = x - cx;
    const v = y - cy;
    p[0] = cy + u * sin + v * cos;
    p[1] = cx + u * cos - v * sin;
  });
  return warp(s, map, opts);
}

/**
 * The h×w window at (top, left) of the source scaled to sh×sw (half-pixel centres); (0, 0, H, W) at the source
 * size is the identity.
 */
function scaledWindowMap(s: AugSample, sh: number, sw: number, top: number, left: number, h: number, w: number) {
  const { height: H, width: W } = s;
  return coordMap(h, w, (y, x, p) => {
    p[0] = sh === H ? top + y : ((top + y + 0.5) * H) / sh - 0.5;
    p[1] = sw === W ? left + x : ((left + x + 0.5) * W) / sw - 0.5;
  });
}

/** Resizes to h×w (image per `opts.interpolation`, mask nearest), half-pixel centres. */
export function resizeTo<T extends AugSample>(s: T, h: number, w: number, opts: WarpOptions): T {
  return warp(s, scaledWindowMap(s, h, w, 0, 0, h, w), opts);
}

/** The h×w window whose top-left corner is (top, left); parts outside the source follow the border rule. */
export function cropAt<T extends AugSample>(s: T, top: number, left: number, h: number, w: number, opts: WarpOptions): T {
  return warp(s, scaledWindowMap(s, s.height, s.width, top, left, h, w), opts);
}

/** Random window offset on an axis: inside the source when it is larger, a random padding split otherwise. */
function offset(rng: Rng, n: number, want: number): number {
  const slack = Math.abs(n - want);
  const r = Math.min(slack, Math.floor(rng() * (slack + 1)));
  return n >= want ? r : -r;
}

export interface CropChoice {
  readonly top: number;
  readonly left: number;
}

/** Largest single-class share of the window's labelled pixels (ignore excluded), and how many classes it has. */
export function windowClassShare(
  mask: Uint8Array,
  H: number,
  W: number,
  win: { top: number; left: number; h: number; w: number },
  ignoreIndex: number,
  at: (y: number, x: number) => number = (y, x) => y * W + x,
): { classes: number; maxShare: number } {
  const counts = new Map<number, number>();
  let total = 0;
  for (let y = Math.max(0, win.top); y < Math.min(H, win.top + win.h); y++) {
    for (let x = Math.max(0, win.left); x < Math.min(W, win.left + win.w); x++) {
      const v = mask[at(y, x)];
      if (v === ignoreIndex) continue;
      counts.set(v, (counts.get(v) ?? 0) + 1);
      total++;
    }
  }
  const max = Math.max(0, ...counts.values());
  return { classes: counts.size, maxShare: total ? max / total : 1 };
}

/**
 * MMSeg RandomCrop's choice: a random h×w window of an H×W mask; with `catMaxRatio` < 1, up to 10 redraws until
 * the window holds more than one class and no class covers `catMaxRatio` or more of it (the last draw is kept).
 * `maskAt` maps a (y, x) of the (virtually scaled) source to an index into `mask`.
 */
export function chooseCrop(
  rng: Rng,
  mask: Uint8Array,
  dims: { H: number; W: number; h: number; w: number },
  catMaxRatio: number,
  ignoreIndex: number,
  maskAt?: (y: number, x: number) => number,
): CropChoice {
  const draw = (): CropChoice => ({ top: offset(rng, dims.H, dims.h), left: offset(rng, dims.W, dims.w) });
  let choice = draw();
  if (catMaxRatio >= 1) return choice;
  for (let i = 0; i < 10; i++) {
    const win = { ...choice, h: dims.h, w: dims.w };
    const share = windowClassShare(mask, dims.H, dims.W, win, ignoreIndex, maskAt);
    if (share.classes > 1 && share.maxShare < catMaxRatio) break;
    choice = draw();
  }
  return choice;
}

export interface ScaleCropOptions {
  /** Scale factor is drawn uniformly from [lo, hi]; [1, 1] is a plain random crop. */
  readonly scale: readonly [number, number];
  readonly size: readonly [number, number];
  readonly catMaxRatio: number;
}

/**
 * MMSeg RandomResize (ratio range) + RandomCrop (cat_max_ratio) in one resampling: the image is (virtually)
 * scaled by a random factor and an h×w window of it is taken; windows beyond a small scaled image are padded
 * (mask: ignore index).
 */
export function randomScaleCrop<T extends AugSample>(s: T, rng: Rng, o: ScaleCropOptions, warpOpts: WarpOptions): T {
  const f = o.scale[0] === o.scale[1] ? o.scale[0] : uniform(rng, o.scale[0], o.scale[1]);
  const sh = Math.max(1, Math.round(s.height * f));
  const sw = Math.max(1, Math.round(s.width * f));
  const [h, w] = o.size;
  const near = (i: number, n: number, m: number) => Math.min(m - 1, Math.floor(((i + 0.5) * m) / n));
  const maskAt = (y: number, x: number) => near(y, sh, s.height) * s.width + near(x, sw, s.width);
  const c = chooseCrop(rng, s.mask, { H: sh, W: sw, h, w }, o.catMaxRatio, warpOpts.ignoreIndex, maskAt);
  return warp(s, scaledWindowMap(s, sh, sw, c.top, c.left, h, w), warpOpts);
}
