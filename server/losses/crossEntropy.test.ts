import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {crossEntropy} from './crossEntropy';

const close = (actual: number, expected: number, tol = 1e-5): void =>
  assert.ok(Math.abs(actual - expected) < tol, `expected ${expected}, got ${actual}`);

// Pixel A: logits [0, ln 3] -> softmax [1/4, 3/4], label 1 -> nll ln(4/3).
// Pixel B: logits [0, 0]    -> softmax [1/2, 1/2], label 0 -> nll ln 2.
const LN3 = Math.log(3);
const logits2 = (): tf.Tensor4D => tf.tensor4d([0, LN3, 0, 0], [1, 1, 2, 2]);
const labels = (values: number[]): tf.Tensor3D => tf.tensor3d(values, [1, 1, values.length], 'int32');

function value(logits: tf.Tensor, y: tf.Tensor, opts = {}): number {
  const loss = crossEntropy(logits, y, opts);
  const v = loss.dataSync()[0];
  loss.dispose();
  return v;
}

describe('crossEntropy values', () => {
  test('mean over pixels', () => {
    tf.tidy(() => close(value(logits2(), labels([1, 0])), (Math.log(4 / 3) + Math.LN2) / 2));
  });

  test('class weights give sum(w_y * nll) / sum(w_y)', () => {
    tf.tidy(() => close(value(logits2(), labels([1, 0]), {classWeights: [2, 1]}), (1 * Math.log(4 / 3) + 2 * Math.LN2) / 3));
  });

  test('ignored pixels are left out (default 255 and a custom index)', () => {
    tf.tidy(() => {
      close(value(logits2(), labels([1, 255])), Math.log(4 / 3));
      close(value(logits2(), labels([9, 0]), {ignoreIndex: 9}), Math.LN2);
    });
  });

  test('gradient on one pixel is softmax - onehot', () => {
    tf.tidy(() => {
      const x = tf.tensor4d([0, LN3], [1, 1, 1, 2]);
      const g = tf.grad((l: tf.Tensor) => crossEntropy(l, labels([1])))(x);
      const [g0, g1] = g.dataSync();
      close(g0, 1 / 4);
      close(g1, 3 / 4 - 1);
    });
  });
});

describe('crossEntropy edge cases', () => {
  test('all pixels ignored: 0 and zero gradients, not NaN', () => {
    tf.tidy(() => {
      const x = tf.tensor4d([1, -2, 3, 4], [1, 1, 2, 2]);
      const {value: v, grad: grads} = tf.valueAndGrad((l: tf.Tensor) => crossEntropy(l, labels([255, 255]), {classWeights: [1, 3]}))(x);
      assert.equal(v.dataSync()[0], 0);
      assert.ok(Array.from(grads.dataSync()).every((g) => g === 0), "gradients must all be 0");
    });
  });

  test('all background: finite value and gradients', () => {
    tf.tidy(() => {
      const x = tf.tensor4d([5, -5, 50, -50], [1, 1, 2, 2]);
      const {value: v, grad: grads} = tf.valueAndGrad((l: tf.Tensor) => crossEntropy(l, labels([0, 0])))(x);
      assert.ok(Number.isFinite(v.dataSync()[0]));
      assert.ok(Array.from(grads.dataSync()).every(Number.isFinite));
    });
  });

  test('does not leak', () => {
    const x = logits2();
    const y = labels([1, 255]);
    const before = tf.memory().numTensors;
    crossEntropy(x, y, {classWeights: [1, 2]}).dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, y]);
  });

  test('bad shapes, dtypes and weights are explained', () => {
    tf.tidy(() => {
      assert.throws(() => crossEntropy(logits2(), tf.zeros([1, 1, 2])), /labels must be int32.*tf\.cast/);
      assert.throws(() => crossEntropy(logits2(), labels([0, 0, 0, 0])), /differ in N, H or W: .*centerCropLabels/);
      assert.throws(() => crossEntropy(logits2(), tf.zeros([1, 1, 2, 1], 'int32')), /labels must be \[N,H,W\]/);
      assert.throws(() => crossEntropy(logits2(), labels([0, 0]), {classWeights: [1]}), /classWeights has 1 entries but the logits have 2/);
      assert.throws(() => crossEntropy(logits2(), labels([0, 0]), {classWeights: [1, -1]}), /classWeights\[1\] = -1/);
    });
  });
});
