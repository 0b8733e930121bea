import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {DiceOptions, diceLoss} from './dice';

const close = (actual: number, expected: number, tol = 1e-5): void =>
  assert.ok(Math.abs(actual - expected) < tol, `expected ${expected}, got ${actual}`);

// One pixel, logits [0, ln 3] -> p = [1/4, 3/4], label 1 -> g = [0, 1].
// Class 0: I = 0, sum p = 1/4, sum g = 0. Class 1: I = 3/4, sum p = 3/4, sum g = 1.
// smooth 1: dice0 = 1 / (1/4 + 1) = 4/5; dice1 = (3/2 + 1) / (7/4 + 1) = 10/11.
const onePixel = (): tf.Tensor4D => tf.tensor4d([0, Math.log(3)], [1, 1, 1, 2]);
const labels = (values: number[]): tf.Tensor3D => tf.tensor3d(values, [1, 1, values.length], 'int32');

function value(logits: tf.Tensor, y: tf.Tensor, opts: DiceOptions = {}): number {
  const loss = diceLoss(logits, y, opts);
  const v = loss.dataSync()[0];
  loss.dispose();
  return v;
}

describe('diceLoss values', () => {
  test("'present' averages over classes in the labels", () => {
    tf.tidy(() => close(value(onePixel(), labels([1])), 1 - 10 / 11));
  });

  test("'all' averages over every class", () => {
    tf.tidy(() => close(value(onePixel(), labels([1]), {classes: 'all'}), 1 - (4 / 5 + 10 / 11) / 2));
  });

  test('smooth 0', () => {
    // dice1 = (3/2) / (7/4) = 6/7.
    tf.tidy(() => close(value(onePixel(), labels([1]), {smooth: 0}), 1 - 6 / 7));
  });

  test('an ignored pixel does not change the value', () => {
    tf.tidy(() => {
      const two = tf.tensor4d([0, Math.log(3), 7, -3], [1, 1, 2, 2]);
      close(value(two, labels([1, 255]), {classes: 'all'}), 1 - (4 / 5 + 10 / 11) / 2);
    });
  });
});

describe('diceLoss edge cases', () => {
  test('all ignored: 0 and zero gradients in both modes', () => {
    tf.tidy(() => {
      for (const classes of ['present', 'all'] as const) {
        const x = tf.tensor4d([1, -2, 3, 4], [1, 1, 2, 2]);
        const {value: v, grad: grads} = tf.valueAndGrad((l: tf.Tensor) => diceLoss(l, labels([255, 255]), {classes}))(x);
        assert.equal(v.dataSync()[0], 0);
        assert.ok(Array.from(grads.dataSync()).every((g) => g === 0), "gradients must all be 0");
      }
    });
  });

  test('all ignored with smooth 0 in both modes: 0, as every region loss (no 1 - 0/0 = 1)', () => {
    tf.tidy(() => {
      for (const classes of ['present', 'all'] as const) {
        const x = tf.tensor4d([1, -2, 3, 4], [1, 1, 2, 2]);
        const {value: v, grad: grads} = tf.valueAndGrad((l: tf.Tensor) => diceLoss(l, labels([255, 255]), {classes, smooth: 0}))(x);
        assert.equal(v.dataSync()[0], 0, classes);
        assert.ok(Array.from(grads.dataSync()).every((g) => g === 0), 'gradients must all be 0');
      }
    });
  });

  test('all background: finite gradients', () => {
    tf.tidy(() => {
      const x = tf.tensor4d([30, -30, 0, 0], [1, 1, 2, 2]);
      const grads = tf.grad((l: tf.Tensor) => diceLoss(l, labels([0, 0]), {classes: 'all', smooth: 0}))(x);
      assert.ok(Array.from(grads.dataSync()).every(Number.isFinite));
    });
  });

  test('does not leak; bad options are explained', () => {
    const x = onePixel();
    const y = labels([1]);
    const before = tf.memory().numTensors;
    diceLoss(x, y, {classes: 'all'}).dispose();
    assert.equal(tf.memory().numTensors, before);
    assert.throws(() => diceLoss(x, y, {smooth: -1}), /smooth must be a finite number >= 0; got -1/);
    assert.throws(() => diceLoss(x, y, {classes: 'some' as 'all'}), /classes must be 'present' or 'all'/);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, y]);
  });
});
