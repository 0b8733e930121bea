import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {crossEntropy} from './crossEntropy';
import {focalLoss, FocalOptions} from './focal';
import {close, closeAll, numericGrad, rng, softmax64, valueAndGrad} from './testUtil';

// One pixel, logits [0, ln 3] -> p = [1/4, 3/4]; label 1 -> p_t = 3/4, -log p_t = ln(4/3).
const onePixel = (): tf.Tensor4D => tf.tensor4d([0, Math.log(3)], [1, 1, 1, 2]);
const labels = (values: number[]): tf.Tensor3D => tf.tensor3d(values, [1, 1, values.length], 'int32');

function value(x: tf.Tensor, y: tf.Tensor, opts: FocalOptions = {}): number {
  return tf.tidy(() => focalLoss(x, y, opts).dataSync()[0]);
}

/** Float64 reference: mean over labelled pixels of -alpha_y (1 - p_y)^gamma log p_y. */
function reference(logits: number[], y: number[], classes: number, gamma: number, alpha: number[]): number {
  const p = softmax64(logits, classes);
  let sum = 0;
  let count = 0;
  y.forEach((label, i) => {
    if (label === 255) return;
    const pt = p[i * classes + label];
    sum += -alpha[label] * (1 - pt) ** gamma * Math.log(pt);
    count++;
  });
  return count ? sum / count : 0;
}

describe('focalLoss values', () => {
  test('gamma 2: (1/4)^2 * ln(4/3)', () => {
    tf.tidy(() => close(value(onePixel(), labels([1])), Math.log(4 / 3) / 16));
  });

  test('alpha as a number scales every pixel; per class picks the label', () => {
    tf.tidy(() => {
      close(value(onePixel(), labels([1]), {alpha: 0.25}), (0.25 * Math.log(4 / 3)) / 16);
      close(value(onePixel(), labels([1]), {alpha: [0.3, 0.7]}), (0.7 * Math.log(4 / 3)) / 16);
    });
  });

  test('gamma 0 and alpha 1 is cross-entropy', () => {
    tf.tidy(() => {
      const x = tf.tensor4d([1, -2, 0.5, 3, 0, 0], [1, 1, 3, 2]);
      const y = labels([0, 1, 255]);
      close(value(x, y, {gamma: 0}), crossEntropy(x, y).dataSync()[0]);
    });
  });

  test('value and gradient match a float64 reference on a random 2x3x3x4 batch with ignored pixels', () => {
    const next = rng(21);
    const logits = Array.from({length: 2 * 3 * 3 * 4}, () => 4 * next() - 2);
    const y = Array.from({length: 18}, (_, i) => (i % 5 === 4 ? 255 : Math.floor(next() * 4)));
    const alpha = [0.5, 1, 2, 0.25];
    const got = tf.tidy(() => {
      const yt = tf.tensor3d(y, [2, 3, 3], 'int32');
      return valueAndGrad((l) => focalLoss(l, yt, {gamma: 1.5, alpha}), tf.tensor4d(logits, [2, 3, 3, 4]));
    });
    close(got.value, reference(logits, y, 4, 1.5, alpha), 1e-5);
    closeAll(got.grad, numericGrad((l) => reference(l, y, 4, 1.5, alpha), logits), 1e-5);
  });

  test('gamma 0.5 at p_t = 1 still has finite gradients', () => {
    const {value: v, grad} = tf.tidy(() => {
      const y = labels([0]);
      return valueAndGrad((l) => focalLoss(l, y, {gamma: 0.5}), tf.tensor4d([100, -100], [1, 1, 1, 2]));
    });
    close(v, 0, 0);
    assert.ok(grad.every(Number.isFinite), `${grad}`);
  });
});

describe('focalLoss errors', () => {
  test('bad gamma and alpha are explained', () => {
    tf.tidy(() => {
      assert.throws(() => focalLoss(onePixel(), labels([1]), {gamma: -1}), /gamma must be a finite number >= 0; got -1/);
      assert.throws(() => focalLoss(onePixel(), labels([1]), {alpha: [1]}), /alpha has 1 entries but the logits have 2 classes/);
      assert.throws(() => focalLoss(onePixel(), labels([1]), {alpha: -0.5}), /alpha must be finite and >= 0; got -0\.5/);
    });
  });
});
