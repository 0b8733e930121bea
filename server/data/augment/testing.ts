/**
 * Test helpers (used by the *.test.ts files here): samples whose pixels encode their own coordinates, and a check
 * that after a geometric op the mask, the weights and the image all still point at the same source pixel.
 */
import assert from 'node:assert/strict';
import { mulberry32, Rng } from '../rng';
import type { AugSample } from './types';

const IGNORE = 255;

/**
 * H×W (both ≤ 254) sample: image channel 0 = y, channel 1 = x, channel 2 = 7; mask = the `axis` coordinate;
 * weight = y·W + x + 1 (never 0, so 0 means "came from outside").
 */
export function coordSample(H: number, W: number, axis: 'y' | 'x'): AugSample {
  const image = new Uint8Array(H * W * 3);
  const mask = new Uint8Array(H * W);
  const weight = new Float32Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = y * W + x;
      image.set([y, x, 7], o * 3);
      mask[o] = axis === 'y' ? y : x;
      weight[o] = o + 1;
    }
  }
  return { height: H, width: W, channels: 3, image, mask, weight };
}

export interface Trace {
  readonly out: AugSample;
  /** Source row / column of each output pixel per the masks, -1 where the mask is the ignore index. */
  readonly srcY: Int32Array;
  readonly srcX: Int32Array;
  readonly srcH: number;
  readonly srcW: number;
}

/** Runs `op` on the y-coded and x-coded samples with identical random streams. */
export function traceOp(op: (s: AugSample, rng: Rng) => AugSample, H: number, W: number, seed = 1): Trace {
  const a = op(coordSample(H, W, 'y'), mulberry32(seed));
  const b = op(coordSample(H, W, 'x'), mulberry32(seed));
  assert.deepEqual([a.height, a.width], [b.height, b.width]);
  assert.deepEqual(a.image, b.image, 'the op must not depend on the mask');
  const srcY = Int32Array.from(a.mask, (v) => (v === IGNORE ? -1 : v));
  const srcX = Int32Array.from(b.mask, (v) => (v === IGNORE ? -1 : v));
  return { out: a, srcY, srcX, srcH: H, srcW: W };
}

export interface FollowOptions {
  /** True for ops that copy whole pixels (flips, turns, crops): the image must match the source exactly. */
  readonly exact: boolean;
  /** With interpolation, image values are only checked where the source pixel is this far from the border. */
  readonly margin?: number;
  /** When set, pixels from outside must have this image value ('constant' border). */
  readonly fill?: number;
}

/**
 * Asserts that every output pixel's mask, weight and image name the same source pixel; returns how many output
 * pixels came from inside the source and how many of those moved.
 */
export function assertFollows(t: Trace, o: FollowOptions): { inside: number; moved: number } {
  const { out, srcY, srcX, srcW, srcH } = t;
  const m = o.margin ?? 2;
  let inside = 0;
  let moved = 0;
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const i = y * out.width + x;
      const [sy, sx] = [srcY[i], srcX[i]];
      const [r, g, b] = out.image.subarray(i * 3, i * 3 + 3);
      const at = `output (${y}, ${x})`;
      assert.equal(sy < 0, sx < 0, `${at}: masks disagree on inside/outside`);
      if (sy < 0) {
        assert.equal(out.weight?.[i], 0, `${at}: weight outside must be 0`);
        if (o.fill !== undefined) assert.deepEqual([r, g, b], [o.fill, o.fill, o.fill], `${at}: constant border`);
        continue;
      }
      inside++;
      if (sy !== y || sx !== x) moved++;
      assert.equal(out.weight?.[i], sy * srcW + sx + 1, `${at}: weight names another pixel than the mask`);
      if (o.exact) {
        assert.deepEqual([r, g, b], [sy, sx, 7], `${at}: image does not show mask source (${sy}, ${sx})`);
      } else if (sy >= m && sy < srcH - m && sx >= m && sx < srcW - m) {
        assert.ok(Math.abs(r - sy) <= 1 && Math.abs(g - sx) <= 1, `${at}: image (${r}, ${g}) far from mask source (${sy}, ${sx})`);
      }
    }
  }
  return { inside, moved };
}
