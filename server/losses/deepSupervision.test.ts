import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {crossEntropy} from './crossEntropy';
import {bilinearMatrix, deepSupervisionLoss, resizeBilinearExact} from './deepSupervision';
import {closeAll, rng} from './testUtil';

describe('bilinearMatrix', () => {
  test('2 -> 4 with half-pixel centres, by hand', () => {
    // Sources: -0.25 (clamped to 0), 0.25, 0.75, 1.25 (past the last input: all on it).
    assert.deepEqual(Array.from(bilinearMatrix(4, 2)), [1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
  });
});

describe('resizeBilinearExact', () => {
  test("equals tf.image.resizeBilinear(halfPixelCenters) forward on 2x3x5x2 -> 7x8", () => {
    const next = rng(71);
    const values = Array.from({length: 2 * 3 * 5 * 2}, () => next());
    const [ours, theirs] = tf.tidy(() => {
      const x = tf.tensor4d(values, [2, 3, 5, 2]);
      return [resizeBilinearExact(x, 7, 8).dataSync(), tf.image.resizeBilinear(x, [7, 8], false, true).dataSync()];
    });
    closeAll(ours, theirs, 1e-6);
  });

  test('gradient of sum(resize(x) * r) is A_h^T r A_w, computed directly', () => {
    const next = rng(73);
    const r = Array.from({length: 5 * 6}, () => next() - 0.5);
    const grad = tf.tidy(() => {
      const rt = tf.tensor4d(r, [1, 5, 6, 1]);
      return Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.mul(resizeBilinearExact(x as tf.Tensor4D, 5, 6), rt)))(tf.zeros([1, 2, 3, 1])).dataSync());
    });
    const ah = bilinearMatrix(5, 2);
    const aw = bilinearMatrix(6, 3);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let y = 0; y < 5; y++) for (let x = 0; x < 6; x++) s += ah[y * 2 + i] * r[y * 6 + x] * aw[x * 3 + j];
        expected.push(s);
      }
    }
    closeAll(grad, expected, 1e-6);
  });

  test('same size returns a copy', () => {
    tf.tidy(() => {
      const x = tf.ones([1, 2, 2, 1]) as tf.Tensor4D;
      const y = resizeBilinearExact(x, 2, 2);
      assert.notEqual(y, x);
      assert.deepEqual(Array.from(y.dataSync()), [1, 1, 1, 1]);
    });
  });
});

const ce = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => crossEntropy(x, y);

describe('deepSupervisionLoss', () => {
  test('weighted sum over outputs; a 1x1 output is spread over the label grid', () => {
    // Full-size output: pixel logits [0, ln 3] / [0, 0]; labels [1, 0] -> CE (ln(4/3) + ln 2) / 2.
    // 1x1 output [0, ln 3] upsampled to 1x2: both pixels [0, ln 3]; labels [1, 0] -> (ln(4/3) + ln 4) / 2.
    const loss = deepSupervisionLoss((x, y) => crossEntropy(x, y), [1, 0.5]);
    const v = tf.tidy(() => {
      const full = tf.tensor4d([0, Math.log(3), 0, 0], [1, 1, 2, 2]);
      const small = tf.tensor4d([0, Math.log(3)], [1, 1, 1, 2]);
      return loss([full, small], tf.tensor3d([1, 0], [1, 1, 2], 'int32')).dataSync()[0];
    });
    const expected = (Math.log(4 / 3) + Math.LN2) / 2 + 0.5 * ((Math.log(4 / 3) + Math.log(4)) / 2);
    closeAll([v], [expected], 1e-6);
  });

  test('no weights: every output counts 1; nothing leaks', () => {
    const loss = deepSupervisionLoss((x, y) => crossEntropy(x, y));
    const x = tf.tensor4d([0, Math.log(3)], [1, 1, 1, 2]);
    const y = tf.tensor3d([1], [1, 1, 1], 'int32');
    const before = tf.memory().numTensors;
    const v = loss([x, x, x], y);
    closeAll(v.dataSync(), [3 * Math.log(4 / 3)], 1e-6);
    v.dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, y]);
  });

  test('bad weights and outputs are explained', () => {
    assert.throws(() => deepSupervisionLoss(ce, []), /weights must list one number per output/);
    assert.throws(() => deepSupervisionLoss(ce, [1, -1]), /weights\[1\] = -1 must be a finite number >= 0/);
    tf.tidy(() => {
      const y = tf.zeros([1, 2, 2], 'int32');
      assert.throws(() => deepSupervisionLoss(ce, [1, 1])([tf.zeros([1, 2, 2, 2])], y), /2 weights for 1 outputs/);
      assert.throws(() => deepSupervisionLoss(ce)([tf.zeros([1, 4, 2, 2])], y), /output 0 has shape \[1,4,2,2\]; need \[N,h,w,C\] with h <= 2 and w <= 2/);
      assert.throws(() => deepSupervisionLoss(ce)([], y), /the model returned no outputs/);
    });
  });
});
