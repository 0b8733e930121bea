/**
 * Elastic deformations.
 *
 * - U-Net (Ronneberger et al. 2015, sec. 3.1): random displacement vectors on a coarse n×n grid (n = 3) spanning
 *   the image corner to corner, drawn from N(0, σ²) with σ = 10 px; per-pixel displacements by bicubic
 *   interpolation of the grid (Keys' kernel, edge values repeated beyond the grid); the image is sampled
 *   bicubically, the mask with nearest neighbour.
 * - Simard et al. 2003: a per-pixel uniform(-1, 1) field per axis, smoothed by a Gaussian of std σ (mirrored borders) and
 *   scaled by α (Simard: α = 34, σ = 4).
 *
 * Output pixel (y, x) reads the source at (y + dy, x + dx); outside positions follow the border rule.
 */
import { gaussian, Rng } from '../rng';
import { blurPlane } from './blur';
import { coordMap, cubicWeight, warp } from './remap';
import type { AugSample, WarpOptions } from './types';

/** A per-pixel displacement field (row-major HW). */
export interface Displacement {
  readonly dy: Float64Array;
  readonly dx: Float64Array;
}

/** Bicubic taps of output positions 0..len-1 on a grid of n points spanning them corner to corner. */
function gridTaps(len: number, n: number): { idx: Int32Array; w: Float64Array } {
  const idx = new Int32Array(len * 4);
  const w = new Float64Array(len * 4);
  for (let i = 0; i < len; i++) {
    const g = len > 1 ? (i * (n - 1)) / (len - 1) : 0;
    const g0 = Math.floor(g);
    for (let k = 0; k < 4; k++) {
      const j = g0 - 1 + k;
      idx[i * 4 + k] = Math.max(0, Math.min(n - 1, j));
      w[i * 4 + k] = cubicWeight(g - j);
    }
  }
  return { idx, w };
}

/** Bicubic interpolation of an n×n grid of values (row-major) to an H×W field (separable: rows, then columns). */
export function interpolateGrid(grid: ArrayLike<number>, n: number, H: number, W: number): Float64Array {
  const ty = gridTaps(H, n);
  const tx = gridTaps(W, n);
  const rows = new Float64Array(n * W); // each grid row interpolated along x
  for (let r = 0; r < n; r++) {
    for (let x = 0; x < W; x++) {
      let v = 0;
      for (let b = 0; b < 4; b++) v += tx.w[x * 4 + b] * grid[r * n + tx.idx[x * 4 + b]];
      rows[r * W + x] = v;
    }
  }
  const out = new Float64Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let a = 0; a < 4; a++) {
      const wa = ty.w[y * 4 + a];
      if (wa === 0) continue;
      const r = ty.idx[y * 4 + a] * W;
      for (let x = 0; x < W; x++) out[y * W + x] += wa * rows[r + x];
    }
  }
  return out;
}

/** The U-Net paper's displacement field: N(0, sigma²) vectors on a grid×grid lattice, bicubically interpolated. */
export function gridDisplacement(rng: Rng, H: number, W: number, grid: number, sigma: number): Displacement {
  const gy = Array.from({ length: grid * grid }, () => sigma * gaussian(rng));
  const gx = Array.from({ length: grid * grid }, () => sigma * gaussian(rng));
  return { dy: interpolateGrid(gy, grid, H, W), dx: interpolateGrid(gx, grid, H, W) };
}

/** Simard's field: uniform(-1, 1) noise per pixel and axis, Gaussian-smoothed (std sigma), times alpha. */
export function simardDisplacement(rng: Rng, H: number, W: number, alpha: number, sigma: number): Displacement {
  const field = () => {
    const noise = new Float64Array(H * W);
    for (let i = 0; i < noise.length; i++) noise[i] = 2 * rng() - 1;
    const smooth = blurPlane(noise, H, W, sigma);
    for (let i = 0; i < smooth.length; i++) smooth[i] *= alpha;
    return smooth;
  };
  const dy = field();
  return { dy, dx: field() };
}

/** Resamples `s` at (y + dy, x + dx). */
export function displace<T extends AugSample>(s: T, d: Displacement, opts: WarpOptions): T {
  const W = s.width;
  const map = coordMap(s.height, W, (y, x, p) => {
    p[0] = y + d.dy[y * W + x];
    p[1] = x + d.dx[y * W + x];
  });
  return warp(s, map, opts);
}
