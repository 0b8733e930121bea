import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../rng';
import { displace, gridDisplacement, interpolateGrid, simardDisplacement } from './elastic';
import { assertFollows, coordSample, traceOp } from './testing';
import type { WarpOptions } from './types';

const bicubic: WarpOptions = { interpolation: 'bicubic', border: 'reflect', fill: 0, ignoreIndex: 255 };

describe('grid interpolation', () => {
  test('passes through the grid values at the grid points (3x3 grid over 5x9 pixels)', () => {
    const grid = [1, -2, 3, 4, 0, -5, 2, 7, -1];
    const f = interpolateGrid(grid, 3, 5, 9);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) assert.ok(Math.abs(f[i * 2 * 9 + j * 4] - grid[i * 3 + j]) < 1e-12, `grid point ${i},${j}`);
    }
  });

  test('a constant grid gives a constant field (the kernel weights sum to 1)', () => {
    const f = interpolateGrid(new Array(9).fill(2.5), 3, 7, 6);
    for (const v of f) assert.ok(Math.abs(v - 2.5) < 1e-12);
  });

  test('between grid points the field is smooth: no value beyond the Catmull-Rom overshoot bound', () => {
    const grid = [0, 0, 0, 0, 10, 0, 0, 0, 0];
    const f = interpolateGrid(grid, 3, 21, 21);
    assert.equal(f[10 * 21 + 10], 10);
    for (const v of f) assert.ok(v <= 10 + 1e-9 && v >= -10 * 0.125 - 1e-9);
  });
});

describe('U-Net elastic deformation', () => {
  test('sigma 0 is the identity', () => {
    const s = coordSample(12, 10, 'y');
    const out = displace(s, gridDisplacement(mulberry32(1), 12, 10, 3, 0), bicubic);
    assert.deepEqual(out.image, s.image);
    assert.deepEqual(out.mask, s.mask);
  });

  test('the field has std sigma at the grid points (many draws)', () => {
    const rng = mulberry32(3);
    let sq = 0;
    const n = 400;
    for (let i = 0; i < n; i++) sq += gridDisplacement(rng, 5, 5, 3, 10).dy[12] ** 2; // the centre is a grid point
    const std = Math.sqrt(sq / n);
    assert.ok(Math.abs(std - 10) < 1.5, `std ${std}`);
  });

  test('mask and weights follow the bicubically sampled image', () => {
    for (const seed of [1, 2, 3]) {
      const t = traceOp((s, rng) => displace(s, gridDisplacement(rng, s.height, s.width, 3, 10), bicubic), 48, 40, seed);
      const r = assertFollows(t, { exact: false });
      assert.ok(r.moved > r.inside / 2, 'the deformation moved most pixels');
    }
  });

  test('constant border: pixels from outside get the fill and the ignore index', () => {
    const t = traceOp((s, rng) => displace(s, gridDisplacement(rng, s.height, s.width, 3, 10), { ...bicubic, border: 'constant', fill: 200 }), 30, 30, 5);
    const r = assertFollows(t, { exact: false, fill: 200 });
    assert.ok(r.inside < 900, 'some pixels came from outside');
  });
});

describe('Simard elastic deformation', () => {
  test('alpha 0 is the identity', () => {
    const s = coordSample(9, 9, 'x');
    const out = displace(s, simardDisplacement(mulberry32(1), 9, 9, 0, 4), bicubic);
    assert.deepEqual(out.image, s.image);
  });

  test('mask follows; same seed, same field; another seed, another field', () => {
    const op = (s: Parameters<typeof displace>[0], rng: () => number) =>
      displace(s, simardDisplacement(rng, s.height, s.width, 34, 4), { ...bicubic, interpolation: 'bilinear' });
    const a = traceOp(op, 40, 40, 7);
    assertFollows(a, { exact: false });
    assert.deepEqual(traceOp(op, 40, 40, 7).out.image, a.out.image);
    assert.notDeepEqual(traceOp(op, 40, 40, 8).out.image, a.out.image);
  });
});
