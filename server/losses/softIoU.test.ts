import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {SoftIoUOptions, softIoULoss} from './softIoU';
import {close, closeAll, numericGrad, rng, softmax64, valueAndGrad} from './testUtil';

// One pixel, logits [0, ln 3] -> p = [1/4, 3/4], label 1 -> g = [0, 1].
// Class 0: I = 0, union = 1/4. Class 1: I = 3/4, union = 3/4 + 1 - 3/4 = 1.
// smooth 1: iou0 = 1 / (5/4) = 4/5, iou1 = (7/4) / 2 = 7/8. smooth 0: iou1 = 3/4.
const onePixel = (): tf.Tensor4D => tf.tensor4d([0, Math.log(3)], [1, 1, 1, 2]);
const labels = (values: number[]): tf.Tensor3D => tf.tensor3d(values, [1, 1, values.length], 'int32');

function value(x: tf.Tensor, y: tf.Tensor, opts: SoftIoUOptions = {}): number {
  return tf.tidy(() => softIoULoss(x, y, opts).dataSync()[0]);
}

/** Float64 reference with pooled sums over the batch. */
function reference(logits: number[], y: number[], classes: number, smooth: number, mode: 'present' | 'all'): number {
  const p = softmax64(logits, classes);
  const losses: number[] = [];
  for (let c = 0; c < classes; c++) {
    let inter = 0;
    let ps = 0;
    let gs = 0;
    y.forEach((label, i) => {
      if (label === 255) return;
      const g = label === c ? 1 : 0;
      inter += p[i * classes + c] * g;
      ps += p[i * classes + c];
      gs += g;
    });
    if (mode === 'present' && gs === 0) continue;
    losses.push(1 - (inter + smooth) / (ps + gs - inter + smooth));
  }
  return losses.length ? losses.reduce((a, b) => a + b, 0) / losses.length : 0;
}

describe('softIoULoss values', () => {
  test("'present', 'all' and smooth 0 by hand", () => {
    tf.tidy(() => {
      close(value(onePixel(), labels([1])), 1 - 7 / 8);
      close(value(onePixel(), labels([1]), {classes: 'all'}), 1 - (4 / 5 + 7 / 8) / 2);
      close(value(onePixel(), labels([1]), {smooth: 0}), 1 - 3 / 4);
    });
  });

  test('an ignored pixel does not change the value', () => {
    tf.tidy(() => close(value(tf.tensor4d([0, Math.log(3), 7, -3], [1, 1, 2, 2]), labels([1, 255]), {classes: 'all'}), 1 - (4 / 5 + 7 / 8) / 2));
  });

  test('value and gradient match a float64 reference (both modes)', () => {
    const next = rng(31);
    const logits = Array.from({length: 2 * 2 * 3 * 3}, () => 4 * next() - 2);
    const y = [0, 0, 1, 255, 1, 0, 0, 255, 1, 1, 0, 0]; // class 2 absent
    for (const mode of ['present', 'all'] as const) {
      const got = tf.tidy(() => {
        const yt = tf.tensor3d(y, [2, 2, 3], 'int32');
        return valueAndGrad((l) => softIoULoss(l, yt, {classes: mode, smooth: 0.5}), tf.tensor4d(logits, [2, 2, 3, 3]));
      });
      close(got.value, reference(logits, y, 3, 0.5, mode), 1e-6, mode);
      closeAll(got.grad, numericGrad((l) => reference(l, y, 3, 0.5, mode), logits), 1e-5, mode);
    }
  });
});

describe('softIoULoss errors', () => {
  test('bad options are explained', () => {
    tf.tidy(() => {
      assert.throws(() => softIoULoss(onePixel(), labels([1]), {smooth: -1}), /softIoULoss: smooth must be a finite number >= 0; got -1/);
      assert.throws(() => softIoULoss(onePixel(), labels([1]), {classes: 'x' as 'all'}), /softIoULoss: classes must be 'present' or 'all'; got "x"/);
    });
  });
});
