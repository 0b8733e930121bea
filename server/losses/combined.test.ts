import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {LOSS_TYPES, combinedLoss, needsPixelWeights} from './combined';

// Same one-pixel case as the unit tests: CE = ln(4/3); Dice ('present', smooth 1) = 1 - 10/11.
describe('combinedLoss', () => {
  test('weighted sum of the terms', () => {
    const loss = combinedLoss([
      {type: 'ce', weight: 0.5},
      {type: 'dice', weight: 2},
    ]);
    const x = tf.tensor4d([0, Math.log(3)], [1, 1, 1, 2]);
    const y = tf.tensor3d([1], [1, 1, 1], 'int32');
    const before = tf.memory().numTensors;
    const v = loss(x, y);
    const expected = 0.5 * Math.log(4 / 3) + 2 * (1 - 10 / 11);
    assert.ok(Math.abs(v.dataSync()[0] - expected) < 1e-5);
    v.dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, y]);
  });

  test("'weightedCe' reads the batch's pixel weights; without them it says so", () => {
    const loss = combinedLoss([{type: 'weightedCe', weight: 2}, {type: 'focal', weight: 1, gamma: 0}]);
    assert.equal(needsPixelWeights([{type: 'weightedCe', weight: 2}]), true);
    assert.equal(needsPixelWeights([{type: 'ce', weight: 1}, {type: 'lovasz', weight: 1}]), false);
    tf.tidy(() => {
      const x = tf.tensor4d([0, Math.log(3)], [1, 1, 1, 2]);
      const y = tf.tensor3d([1], [1, 1, 1], 'int32');
      // weightedCe: 3 ln(4/3); focal with gamma 0: ln(4/3).
      const v = loss(x, y, {pixelWeights: tf.tensor3d([3], [1, 1, 1])}).dataSync()[0];
      assert.ok(Math.abs(v - (2 * 3 + 1) * Math.log(4 / 3)) < 1e-5, `${v}`);
      assert.throws(() => loss(x, y), /'weightedCe' needs per-pixel weights/);
    });
  });

  test('every listed type can be built and applied', () => {
    tf.tidy(() => {
      const x = tf.tensor4d([0, Math.log(3), 1, 0], [1, 1, 2, 2]);
      const y = tf.tensor3d([1, 0], [1, 1, 2], 'int32');
      for (const type of LOSS_TYPES) {
        const v = combinedLoss([{type, weight: 1}])(x, y, {pixelWeights: tf.ones([1, 1, 2])}).dataSync()[0];
        assert.ok(Number.isFinite(v) && v > 0, `${type}: ${v}`);
      }
    });
  });

  test('bad terms are rejected when the loss is built', () => {
    assert.throws(() => combinedLoss([]), /at least one term/);
    assert.throws(() => combinedLoss([{type: 'tversky' as 'ce', weight: 1}]), /loss\[0\]\.type "tversky" is unknown; valid: ce, weightedCe, dice, focal, iou, lovasz, msssim, unet3plus/);
    assert.throws(() => combinedLoss([{type: 'ce', weight: 1}, {type: 'dice', weight: -2}]), /loss\[1\]\.weight must be a finite number >= 0; got -2/);
  });
});
