import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {crossEntropy} from './crossEntropy';
import {weightedCrossEntropy} from './weightedCrossEntropy';
import {close, closeAll, valueAndGrad} from './testUtil';

// Pixel A: logits [0, ln 3], label 1 -> nll ln(4/3). Pixel B: logits [0, 0], label 0 -> nll ln 2.
const LN3 = Math.log(3);
const logits2 = (): tf.Tensor4D => tf.tensor4d([0, LN3, 0, 0], [1, 1, 2, 2]);
const labels = (values: number[]): tf.Tensor3D => tf.tensor3d(values, [1, 1, values.length], 'int32');
const weights = (values: number[]): tf.Tensor3D => tf.tensor3d(values, [1, 1, values.length]);

function value(y: number[], w: number[], normalize?: 'pixels' | 'weights'): number {
  return tf.tidy(() => weightedCrossEntropy(logits2(), labels(y), weights(w), {normalize}).dataSync()[0]);
}

describe('weightedCrossEntropy values', () => {
  test("'pixels' divides sum(w * nll) by the labelled pixel count", () => {
    close(value([1, 0], [2, 5]), (2 * Math.log(4 / 3) + 5 * Math.LN2) / 2);
  });

  test("'weights' divides by sum(w)", () => {
    close(value([1, 0], [2, 5], 'weights'), (2 * Math.log(4 / 3) + 5 * Math.LN2) / 7);
  });

  test('an ignored pixel is left out of sum and count', () => {
    close(value([1, 255], [2, 5]), 2 * Math.log(4 / 3));
  });

  test('weights of 1 give plain cross-entropy', () => {
    tf.tidy(() => {
      const plain = crossEntropy(logits2(), labels([1, 255])).dataSync()[0];
      close(value([1, 255], [1, 1]), plain);
    });
  });

  test('gradient on one pixel is w * (softmax - onehot)', () => {
    const {grad} = tf.tidy(() => {
      const y = labels([1]);
      const w = weights([3]);
      return valueAndGrad((l) => weightedCrossEntropy(l, y, w), tf.tensor4d([0, LN3], [1, 1, 1, 2]));
    });
    closeAll(grad, [3 / 4, 3 * (3 / 4 - 1)], 1e-6);
  });
});

describe('weightedCrossEntropy errors', () => {
  test('bad weights are explained, nothing leaks', () => {
    const x = logits2();
    const y = labels([1, 0]);
    const before = tf.memory().numTensors;
    const w3 = tf.zeros([1, 1, 3]);
    assert.throws(() => weightedCrossEntropy(x, y, w3), /pixelWeights \[1,1,3\] must have the labels' shape \[1,1,2\]/);
    const wi = tf.zeros([1, 1, 2], 'int32');
    assert.throws(() => weightedCrossEntropy(x, y, wi), /pixelWeights must be float32; got int32/);
    const w = weights([1, 1]);
    assert.throws(() => weightedCrossEntropy(x, y, w, {normalize: 'sum' as 'pixels'}), /normalize "sum" is unknown; valid: pixels, weights/);
    tf.dispose([w3, wi, w]);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, y]);
  });
});
