import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {combinedLoss} from './combined';

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

  test('bad terms are rejected when the loss is built', () => {
    assert.throws(() => combinedLoss([]), /at least one term/);
    assert.throws(() => combinedLoss([{type: 'focal' as 'ce', weight: 1}]), /loss\[0\]\.type "focal" is unknown; valid: ce, dice/);
    assert.throws(() => combinedLoss([{type: 'ce', weight: 1}, {type: 'dice', weight: -2}]), /loss\[1\]\.weight must be a finite number >= 0; got -2/);
  });
});
