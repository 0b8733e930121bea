import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {checkInputSize, cropToSize, nearestMultiples, padToStride, stridePadding} from './inputSize';
import {createModel} from '../registry';

describe('input size versus stride', () => {
  test('nearest multiples', () => {
    assert.deepEqual(nearestMultiples(250, 32), [224, 256]);
    assert.deepEqual(nearestMultiples(256, 32), [256]);
    assert.deepEqual(nearestMultiples(10, 32), [32]);
  });

  test('the error names the dimension, the size, the stride, the nearest sizes and the option', () => {
    assert.throws(
      () => checkInputSize([250, 256], 32, 'unet-resnet34'),
      /^Error: input height 250 is not divisible by the output stride 32 of unet-resnet34: resize, crop or pad to 224 or 256, or enable `input\.padToStride`$/,
    );
    assert.throws(() => checkInputSize([null, 40], 16), /input width 40 .* 32 or 48/);
    checkInputSize([null, null], 32);
    checkInputSize([64, 96], 32);
  });

  test('createModel rejects the size before allocating any weight', () => {
    const before = tf.memory().numTensors;
    assert.throws(
      () => createModel({arch: 'unet', encoderName: 'resnet34', inChannels: 3, classes: 2}, [250, 256]),
      /input height 250 is not divisible by the output stride 32 of unet-resnet34 \(encoderDepth 5\)/,
    );
    assert.throws(() => createModel({arch: 'deeplabv3plus', encoderName: 'resnet18', encoderDepth: 3, inChannels: 3, classes: 2}, [64, 60]), /input width 60 .*output stride 8.* 56 or 64/);
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('pad to stride and crop back', () => {
  test('padding is split evenly, the odd pixel after', () => {
    assert.deepEqual(stridePadding(250, 300, 32), {top: 3, bottom: 3, left: 10, right: 10});
    assert.deepEqual(stridePadding(33, 64, 32), {top: 15, bottom: 16, left: 0, right: 0});
  });

  test('reflect and zero padding values; crop restores the original', () => {
    tf.tidy(() => {
      const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
      const {padded, padding} = padToStride(x, 4, 'zeros');
      assert.deepEqual(padded.shape, [1, 4, 4, 1]);
      // height 1 -> 4: 1 row above, 2 below; width 3 -> 4: 0 left, 1 right.
      assert.deepEqual(padding, {top: 1, bottom: 2, left: 0, right: 1});
      assert.deepEqual(Array.from(padded.dataSync()), [0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      assert.deepEqual(Array.from(cropToSize(padded, padding).dataSync()), [1, 2, 3]);
      const wide = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
      const r = padToStride(wide, 2, 'reflect');
      // width 3 -> 4: mirror the column before the edge (2, 5) on the right.
      assert.deepEqual(Array.from(r.padded.dataSync()), [1, 2, 3, 2, 4, 5, 6, 5]);
      assert.throws(() => padToStride(x, 4, 'reflect'), /too small; use zero padding/);
    });
  });
});
