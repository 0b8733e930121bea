import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, Rng } from '../rng';
import * as ref from '../transforms';
import { chooseCrop, cropAt, exactWarp, hflip, randomScaleCrop, resizeTo, rot90, rotate, vflip } from './geometric';
import { assertFollows, coordSample, traceOp } from './testing';
import type { AugSample, WarpOptions } from './types';

const bilinear: WarpOptions = { interpolation: 'bilinear', border: 'reflect', fill: 0, ignoreIndex: 255 };

function randomSample(H: number, W: number, C: number, seed: number): AugSample {
  const rng = mulberry32(seed);
  return {
    height: H,
    width: W,
    channels: C,
    image: Uint8Array.from({ length: H * W * C }, () => Math.floor(rng() * 256)),
    mask: Uint8Array.from({ length: H * W }, () => Math.floor(rng() * 4)),
  };
}

/** A scripted random stream: returns the given values in order. */
function script(values: number[]): Rng {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error('script ran out of values');
    return values[i++];
  };
}

describe('flips and quarter turns', () => {
  test('hflip of a 2x3 sample, by hand', () => {
    const s: AugSample = { height: 2, width: 3, channels: 1, image: new Uint8Array([1, 2, 3, 4, 5, 6]), mask: new Uint8Array([0, 1, 2, 3, 4, 5]) };
    const f = hflip(s);
    assert.deepEqual([...f.image], [3, 2, 1, 6, 5, 4]);
    assert.deepEqual([...f.mask], [2, 1, 0, 5, 4, 3]);
    assert.deepEqual([...vflip(s).image], [4, 5, 6, 1, 2, 3]);
  });

  test('flips and rot90 agree with data/transforms on a non-square sample', () => {
    const s = randomSample(5, 7, 3, 3);
    for (const [mine, theirs] of [[hflip(s), ref.hflip(s)], [vflip(s), ref.vflip(s)]] as const) {
      assert.deepEqual(mine.image, theirs.image);
      assert.deepEqual(mine.mask, theirs.mask);
    }
    for (let k = -1; k <= 4; k++) {
      const a = rot90(s, k);
      const b = ref.rot90(s, k);
      assert.deepEqual([a.height, a.width, a.image, a.mask], [b.height, b.width, b.image, b.mask], `k=${k}`);
    }
  });

  test('mask and weights follow the image (coordinate-coded sample)', () => {
    for (const op of [hflip, vflip, (s: AugSample) => rot90(s, 1), (s: AugSample) => rot90(s, 3)]) {
      const r = assertFollows(traceOp(op, 6, 9), { exact: true });
      assert.equal(r.inside, 54);
      assert.ok(r.moved > 40);
    }
  });
});

describe('rotate', () => {
  test('90 and 180 degrees on a square equal rot90 (counter-clockwise)', () => {
    const s = randomSample(6, 6, 1, 5);
    const near = exactWarp(255);
    assert.deepEqual(rotate(s, 90, near).image, rot90(s, 1).image);
    assert.deepEqual(rotate(s, 180, near).mask, rot90(s, 2).mask);
    assert.deepEqual(rotate(s, 0, bilinear).image, s.image);
  });

  test('free rotation: mask follows, corners from outside are ignore with the constant fill', () => {
    const t = traceOp((s) => rotate(s, 30, { ...bilinear, border: 'constant', fill: 9 }), 31, 25);
    const r = assertFollows(t, { exact: false, fill: 9 });
    assert.ok(r.inside < 31 * 25 && r.inside > 0.6 * 31 * 25);
    assert.equal(t.srcY[0], -1, 'the top-left corner comes from outside');
    const centre = 15 * 25 + 12;
    assert.deepEqual([t.srcY[centre], t.srcX[centre]], [15, 12], 'the centre stays');
  });

  test('reflect border: outside pixels are mirrored in the image but ignored in the mask', () => {
    const t = traceOp((s) => rotate(s, 45, bilinear), 20, 20);
    assertFollows(t, { exact: false });
    assert.equal(t.out.mask[0], 255);
    assert.notEqual(t.out.image[0], 0);
  });
});

describe('resize and crops', () => {
  test('resizeTo matches data/transforms.resize (bilinear image, nearest mask)', () => {
    const s = randomSample(7, 5, 3, 9);
    for (const [h, w] of [[14, 10], [3, 4], [7, 11]]) {
      const a = resizeTo(s, h, w, bilinear);
      const b = ref.resize(s, h, w);
      assert.deepEqual(a.image, b.image, `${h}x${w} image`);
      assert.deepEqual(a.mask, b.mask, `${h}x${w} mask`);
    }
  });

  test('cropAt beyond the border: reflected image, ignored mask (as transforms.cropWindow)', () => {
    const s = randomSample(5, 6, 1, 11);
    const a = cropAt(s, -2, 3, 6, 5, exactWarp(255));
    const b = ref.cropWindow(s, -2, 3, 6, 5, 255);
    assert.deepEqual(a.image, b.image);
    assert.deepEqual(a.mask, b.mask);
  });

  test('randomScaleCrop at scale 2: output (y, x) comes from (floor((top + y) / 2), floor((left + x) / 2))', () => {
    const t = traceOp((s, rng) => randomScaleCrop(s, rng, { scale: [2, 2], size: [12, 10], catMaxRatio: 1 }, bilinear), 20, 16, 4);
    assertFollows(t, { exact: false });
    const fits = (src: Int32Array, n: number, len: number, step: number) =>
      Array.from({ length: n }, (_, off) => off).filter((off) =>
        Array.from({ length: len }, (_, i) => i).every((i) => src[i * step] === Math.floor((off + i) / 2)),
      );
    const tops = fits(t.srcY, 40 - 12 + 1, 12, 10);
    const lefts = fits(t.srcX, 32 - 10 + 1, 10, 1);
    assert.equal(tops.length, 1, 'exactly one window offset explains the rows');
    assert.equal(lefts.length, 1, 'exactly one window offset explains the columns');
    for (let i = 0; i < 120; i++) {
      assert.deepEqual([t.srcY[i], t.srcX[i]], [Math.floor((tops[0] + Math.floor(i / 10)) / 2), Math.floor((lefts[0] + (i % 10)) / 2)]);
    }
  });

  test('a crop larger than the (scaled) image pads with ignore', () => {
    const t = traceOp((s, rng) => randomScaleCrop(s, rng, { scale: [0.5, 0.5], size: [16, 16], catMaxRatio: 1 }, bilinear), 20, 20, 2);
    const r = assertFollows(t, { exact: false });
    assert.equal(r.inside, 100, 'the 10x10 scaled image lies inside the 16x16 window');
  });

  test('plain crop (scale 1) copies a window exactly', () => {
    const t = traceOp((s, rng) => randomScaleCrop(s, rng, { scale: [1, 1], size: [5, 4], catMaxRatio: 1 }, exactWarp(255)), 9, 8, 6);
    assertFollows(t, { exact: true });
    const [top, left] = [t.srcY[0], t.srcX[0]];
    for (let i = 0; i < 20; i++) assert.deepEqual([t.srcY[i], t.srcX[i]], [top + Math.floor(i / 4), left + (i % 4)]);
  });
});

describe('cat_max_ratio', () => {
  // 40x40 mask: class 1 in the bottom-right quadrant, class 0 elsewhere.
  const mask = Uint8Array.from({ length: 1600 }, (_, i) => (Math.floor(i / 40) >= 20 && i % 40 >= 20 ? 1 : 0));
  const dims = { H: 40, W: 40, h: 20, w: 20 };

  test('redraws a single-class window and keeps a mixed one', () => {
    // first draw: top 0, left 0 (all class 0); second: top floor(0.99*21)=20, left floor(0.5*21)=10 (half and half)
    const c = chooseCrop(script([0, 0, 0.99, 0.5]), mask, dims, 0.75, 255);
    assert.deepEqual(c, { top: 20, left: 10 });
  });

  test('ratio 1 keeps the first draw', () => {
    assert.deepEqual(chooseCrop(script([0, 0]), mask, dims, 1, 255), { top: 0, left: 0 });
  });

  test('ignored pixels do not count as a class', () => {
    const m = Uint8Array.from(mask, (v) => (v === 1 ? 255 : v));
    // every window has only class 0 (plus ignore): 1 initial draw + 10 redraws, the last kept
    const values = Array.from({ length: 22 }, (_, i) => (i < 20 ? 0.99 : 0));
    assert.deepEqual(chooseCrop(script(values), m, dims, 0.75, 255), { top: 0, left: 0 });
  });
});

test('ops do not modify their input', () => {
  const s = coordSample(10, 12, 'y');
  const copy = { image: s.image.slice(), mask: s.mask.slice() };
  rotate(s, 20, bilinear);
  randomScaleCrop(s, mulberry32(1), { scale: [0.7, 1.3], size: [8, 8], catMaxRatio: 0.5 }, bilinear);
  assert.deepEqual(s.image, copy.image);
  assert.deepEqual(s.mask, copy.mask);
});
