import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {balancedClassWeights} from './classWeights';

const closeAll = (actual: number[], expected: number[]): void =>
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) < 1e-12, `[${i}] expected ${expected[i]}, got ${a}`));

describe('balancedClassWeights', () => {
  // Counts 100, 300, 0, 50 (total 450). Present frequencies 100/450, 300/450, 50/450; median 100/450.
  test('median frequency: median(f) / f_c, absent class 0', () => {
    closeAll(balancedClassWeights([100, 300, 0, 50]), [1, 1 / 3, 0, 2]);
  });

  test('median of an even number of classes is the mean of the middle two', () => {
    // f = 1/10, 2/10, 3/10, 4/10; median 2.5/10.
    closeAll(balancedClassWeights([1, 2, 3, 4]), [2.5, 1.25, 2.5 / 3, 2.5 / 4]);
  });

  test('inverse: total / (K * count_c)', () => {
    closeAll(balancedClassWeights([100, 300, 0, 50], 'inverse'), [1.5, 0.5, 0, 3]);
  });

  test('bad counts are explained', () => {
    assert.throws(() => balancedClassWeights([]), /pixelCounts is empty/);
    assert.throws(() => balancedClassWeights([1, -3]), /pixelCounts\[1\] = -3/);
    assert.throws(() => balancedClassWeights([0, 0]), /every class has 0 pixels/);
    assert.throws(() => balancedClassWeights([1, 2], 'log' as 'median'), /method "log" is unknown/);
  });
});
