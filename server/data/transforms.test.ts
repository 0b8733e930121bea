import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  centerCrop, computeMeanStd, hflip, randomCrop, reflectIndex, resize, rot90, SampleArrays, toFloat, vflip, cropWindow,
} from './transforms';
import { mulberry32 } from './rng';
import { RawSample, SegDataset } from './types';

/** 1-channel sample whose image and mask both hold the given values. */
function gray(h: number, w: number, values: number[]): SampleArrays {
  return { height: h, width: w, channels: 1, image: Uint8Array.from(values), mask: Uint8Array.from(values) };
}

/** 3-channel image with (x, y, 7) per pixel and mask y * W + x: every pixel knows where it came from. */
function coordinates(h: number, w: number): SampleArrays {
  const image = new Uint8Array(h * w * 3);
  const mask = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    image.set([x, y, 7], (y * w + x) * 3);
    mask[y * w + x] = y * w + x;
  }
  return { height: h, width: w, channels: 3, image, mask };
}

/** Asserts that image and mask of every output pixel point at the same source pixel (or the mask is ignore). */
function assertTogether(s: SampleArrays, srcW: number): void {
  for (let i = 0; i < s.height * s.width; i++) {
    assert.equal(s.image[i * 3 + 2], 7);
    if (s.mask[i] === 255) continue;
    assert.deepEqual([s.image[i * 3], s.image[i * 3 + 1]], [s.mask[i] % srcW, Math.floor(s.mask[i] / srcW)], `pixel ${i}`);
  }
}

describe('flips and rotations (hand-computed on [[0,1,2],[3,4,5]])', () => {
  const s = gray(2, 3, [0, 1, 2, 3, 4, 5]);
  test('hflip / vflip', () => {
    assert.deepEqual(Array.from(hflip(s).image), [2, 1, 0, 5, 4, 3]);
    assert.deepEqual(Array.from(vflip(s).mask), [3, 4, 5, 0, 1, 2]);
  });
  test('rot90 is counter-clockwise like numpy.rot90', () => {
    const r1 = rot90(s);
    assert.deepEqual([r1.height, r1.width], [3, 2]);
    assert.deepEqual(Array.from(r1.image), [2, 5, 1, 4, 0, 3]);
    assert.deepEqual(Array.from(rot90(s, 2).image), [5, 4, 3, 2, 1, 0]);
    assert.deepEqual(Array.from(rot90(s, 3).image), [3, 0, 4, 1, 5, 2]);
    assert.deepEqual(Array.from(rot90(s, -1).mask), [3, 0, 4, 1, 5, 2]);
    assert.deepEqual(Array.from(rot90(s, 4).mask), [0, 1, 2, 3, 4, 5]);
  });
  test('inputs are not modified; other fields are carried', () => {
    const withId = { ...s, id: 'x' };
    assert.equal(hflip(withId).id, 'x');
    assert.deepEqual(Array.from(s.image), [0, 1, 2, 3, 4, 5]);
  });
});

describe('image and mask move together', () => {
  const H = 6, W = 8;
  const src = coordinates(H, W);
  test('flips, rotations, crops and compositions', () => {
    const rng = mulberry32(5);
    const cases = [hflip(src), vflip(src), rot90(src, 1), rot90(src, 3), rot90(hflip(src), 1),
      randomCrop(src, 4, 5, rng), randomCrop(rot90(src), 3, 3, rng), centerCrop(src, 3, 3), resize(src, H, W), vflip(resize(src, 3, 4))];
    for (const out of cases) assertTogether(out, W);
  });
  test('padding: reflected image, ignore in the mask', () => {
    const out = randomCrop(src, 9, 11, mulberry32(3));
    assertTogether(out, W);
    assert.equal(Array.from(out.mask).filter((v) => v !== 255).length, H * W);
  });
  test('the same seed gives the same crop; different seeds usually differ', () => {
    const a = randomCrop(src, 3, 3, mulberry32(1));
    assert.deepEqual(randomCrop(src, 3, 3, mulberry32(1)).mask, a.mask);
    const others = [2, 3, 4, 5].map((seed) => randomCrop(src, 3, 3, mulberry32(seed)).mask.join());
    assert.ok(others.some((m) => m !== a.mask.join()));
  });
});

describe('crops and padding (hand-computed)', () => {
  test('reflectIndex follows numpy reflect', () => {
    assert.deepEqual([-2, -1, 0, 3, 4, 5, 6, 7].map((i) => reflectIndex(i, 4)), [2, 1, 0, 3, 2, 1, 0, 1]);
    assert.equal(reflectIndex(-3, 1), 0);
  });
  test('centerCrop of [[0,1],[2,3]] to 4x4 pads one pixel on each side', () => {
    const out = centerCrop(gray(2, 2, [0, 1, 2, 3]), 4, 4);
    assert.deepEqual(Array.from(out.image), [3, 2, 3, 2, 1, 0, 1, 0, 3, 2, 3, 2, 1, 0, 1, 0]);
    const I = 255;
    assert.deepEqual(Array.from(out.mask), [I, I, I, I, I, 0, 1, I, I, 2, 3, I, I, I, I, I]);
  });
  test('cropWindow inside the source is a plain crop; custom ignore index', () => {
    const s = gray(3, 3, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(Array.from(cropWindow(s, 1, 1, 2, 2).image), [4, 5, 7, 8]);
    assert.deepEqual(Array.from(cropWindow(s, -1, 0, 1, 2, 9).mask), [9, 9]);
  });
  test('bad sizes are errors', () => {
    assert.throws(() => centerCrop(gray(1, 1, [0]), 0, 2), /centerCrop: size must be positive integers, got 0x2/);
  });
});

describe('resize (half-pixel centres)', () => {
  test('upsampling 1x2 -> 1x4: bilinear image, nearest mask', () => {
    const out = resize(gray(1, 2, [0, 100]), 1, 4);
    assert.deepEqual(Array.from(out.image), [0, 25, 75, 100]);
    assert.deepEqual(Array.from(out.mask), [0, 0, 100, 100]);
  });
  test('downsampling 1x4 -> 1x2 averages neighbours; mask picks a source value', () => {
    const out = resize(gray(1, 4, [0, 10, 20, 30]), 1, 2);
    assert.deepEqual(Array.from(out.image), [5, 25]);
    assert.deepEqual(Array.from(out.mask), [10, 30]);
  });
});

describe('normalisation', () => {
  test('toFloat: (v/255 - mean) / std per channel', () => {
    const out = toFloat(Uint8Array.from([0, 255, 51]), { mean: [0.5], std: [0.25] });
    [-2, 2, -1.2].forEach((v, i) => assert.ok(Math.abs(out[i] - v) < 1e-6, `${out[i]} vs ${v}`));
    const rgb = toFloat(Uint8Array.from([255, 0, 255]), { mean: [0, 0.5, 1], std: [1, 0.5, 2] });
    [1, -1, 0].forEach((v, i) => assert.ok(Math.abs(rgb[i] - v) < 1e-6));
    assert.throws(() => toFloat(new Uint8Array(3), { mean: [0], std: [0] }), /every "std" must be > 0/);
  });

  test('computeMeanStd on the 0-1 scale, with and without sample limit', async () => {
    const samples: RawSample[] = [[0, 255], [255, 255]].map((v, i) => ({
      id: `s${i}`, height: 1, width: 2, channels: 1, image: Uint8Array.from(v), mask: new Uint8Array(2),
    }));
    const ds: SegDataset = {
      description: 'fake', classes: 2, classNames: ['a', 'b'], ignoreIndex: 255, length: 2, get: async (i) => samples[i],
    };
    const all = await computeMeanStd(ds, 10); // values 0, 1, 1, 1
    assert.ok(Math.abs(all.mean[0] - 0.75) < 1e-12);
    assert.ok(Math.abs(all.std[0] - Math.sqrt(0.75 - 0.75 ** 2)) < 1e-12);
    const first = await computeMeanStd(ds, 1); // values 0, 1
    assert.deepEqual(first, { mean: [0.5], std: [0.5] });
  });
});
