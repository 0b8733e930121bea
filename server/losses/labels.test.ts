import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {centerCropLabels} from './labels';
import {CenterCrop2D} from '../models/base/centerCrop';

describe('centerCropLabels', () => {
  test('crops the centre: 4x5 -> 2x2 keeps rows 1-2, columns 1-2', () => {
    // Value = 10 * row + column; offsets floor((4-2)/2) = 1 and floor((5-2)/2) = 1.
    const values = [];
    for (let r = 0; r < 4; r++) for (let c = 0; c < 5; c++) values.push(10 * r + c);
    const labels = tf.tensor3d(values, [1, 4, 5], 'int32');
    const before = tf.memory().numTensors;
    const out = centerCropLabels(labels, 2, 2);
    assert.equal(tf.memory().numTensors, before + 1);
    assert.deepEqual(out.shape, [1, 2, 2]);
    assert.deepEqual(Array.from(out.dataSync()), [11, 12, 21, 22]);
    tf.dispose([labels, out]);
  });

  test('matches the crop of the model skip connection (CenterCrop2D)', () => {
    tf.tidy(() => {
      const labels = tf.tensor3d(Array.from({length: 7 * 6}, (_, i) => i), [1, 7, 6], 'int32');
      const ref = tf.zeros([1, 3, 4, 1]);
      const layerOut = new CenterCrop2D().apply([tf.expandDims(tf.cast(labels, 'float32'), -1), ref]) as tf.Tensor;
      const fromLayer = Array.from(layerOut.dataSync());
      assert.deepEqual(Array.from(centerCropLabels(labels, 3, 4).dataSync()), fromLayer);
    });
  });

  test('rejects a larger target or a wrong rank', () => {
    tf.tidy(() => {
      assert.throws(() => centerCropLabels(tf.zeros([1, 4, 4], 'int32'), 5, 2), /cannot crop labels of 4x4 to 5x2/);
      assert.throws(() => centerCropLabels(tf.zeros([4, 4], 'int32'), 2, 2), /labels must be \[N,H,W\]/);
    });
  });
});
