import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {distanceTransform, squaredDistanceTransform} from './distanceTransform';
import {rng} from './testUtil';

/** min over feature pixels of the squared distance, by checking every pair. */
function bruteForce(mask: number[], h: number, w: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let best = Infinity;
      for (let fy = 0; fy < h; fy++) for (let fx = 0; fx < w; fx++) if (mask[fy * w + fx]) best = Math.min(best, (y - fy) ** 2 + (x - fx) ** 2);
      out.push(best);
    }
  }
  return out;
}

describe('squaredDistanceTransform', () => {
  test('one feature in a 3x4 grid: squared distances by hand', () => {
    // Feature at (1, 2): row 0 -> (1+4, 1+1, 1, 1+1) ...
    const d = squaredDistanceTransform(3, 4, (i) => i === 6);
    assert.deepEqual(Array.from(d), [5, 2, 1, 2, 4, 1, 0, 1, 5, 2, 1, 2]);
  });

  test('equals brute force on 300 random masks (sizes 1..9, densities 2%..60%)', () => {
    const next = rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const h = 1 + Math.floor(next() * 9);
      const w = 1 + Math.floor(next() * 9);
      const density = 0.02 + next() * 0.58;
      const mask = Array.from({length: h * w}, () => (next() < density ? 1 : 0));
      const expected = bruteForce(mask, h, w);
      const got = squaredDistanceTransform(h, w, (i) => mask[i] === 1);
      assert.deepEqual(Array.from(got), expected, `trial ${trial}: ${h}x${w} mask ${mask.join('')}`);
    }
  });

  test('no feature gives Infinity everywhere; all features give 0', () => {
    assert.ok(Array.from(squaredDistanceTransform(2, 3, () => false)).every((v) => v === Infinity));
    assert.ok(Array.from(squaredDistanceTransform(2, 3, () => true)).every((v) => v === 0));
  });
});

describe('distanceTransform', () => {
  test('Euclidean distances of a 1x5 mask with features at both ends', () => {
    assert.deepEqual(Array.from(distanceTransform([1, 0, 0, 0, 1], 1, 5)), [0, 1, 2, 1, 0]);
  });

  test('a diagonal distance is the square root of the squared one', () => {
    const d = distanceTransform([1, 0, 0, 0, 0, 0, 0, 0, 0], 3, 3);
    assert.equal(d[8], Math.sqrt(8));
    assert.equal(d[5], Math.sqrt(5));
  });

  test('bad sizes are explained', () => {
    assert.throws(() => distanceTransform([1, 0], 1, 3), /mask has 2 values but 1x3 needs 3/);
    assert.throws(() => squaredDistanceTransform(0, 3, () => true), /positive integers; got 0x3/);
  });
});
