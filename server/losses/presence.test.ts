import {test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {presenceLoss} from './presence';
import {close} from './testUtil';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

test('binary: softmax cross-entropy of (absent, present) against the one-hot image label', () => {
  // Row 1: logits (0, ln 3) -> P = (1/4, 3/4), target present. Row 2: (ln 4, 0) -> P = (4/5, 1/5), target absent.
  const v = tf.tidy(() => presenceLoss(tf.tensor2d([[0, Math.log(3)], [Math.log(4), 0]]), tf.tensor2d([[0, 1], [1, 0]]), 'binary').dataSync()[0]);
  close(v, (-Math.log(0.75) - Math.log(0.8)) / 2, 1e-6);
});

test('multiclass: sigmoid BCE per class, averaged over images and classes', () => {
  const z = [2, -1, 0.5, 3];
  const t = [1, 0, 0, 1];
  const expected = z.map((zi, i) => -(t[i] * Math.log(sigmoid(zi)) + (1 - t[i]) * Math.log(1 - sigmoid(zi))));
  const v = tf.tidy(() => presenceLoss(tf.tensor2d(z, [2, 2]), tf.tensor2d(t, [2, 2]), 'multiclass').dataSync()[0]);
  close(v, expected.reduce((a, b) => a + b, 0) / 4, 1e-6);
});

test('large logits give finite values and gradients; nothing leaks', () => {
  const before = tf.memory().numTensors;
  for (const mode of ['binary', 'multiclass'] as const) {
    const z = tf.tensor2d([[80, -80], [-80, 80]]);
    const t = tf.tensor2d([[0, 1], [1, 0]]);
    assert.ok(Number.isFinite(tf.tidy(() => presenceLoss(z, t, mode).dataSync()[0])), mode);
    const g = tf.grad((x: tf.Tensor) => presenceLoss(x, t, mode))(z);
    assert.ok(Array.from(g.dataSync()).every(Number.isFinite), mode);
    // d/dz of the mean BCE: (s(z) - t) / count for multiclass; (softmax - t) / N for binary.
    close(g.dataSync()[0], mode === 'binary' ? (1 - 0) / 2 : (1 - 0) / 4, 1e-6, mode);
    tf.dispose([z, t, g]);
  }
  assert.equal(tf.memory().numTensors, before);
});

test('shape and mode errors say what is expected', () => {
  tf.tidy(() => {
    assert.throws(() => presenceLoss(tf.zeros([2, 3]), tf.zeros([2, 3]), 'binary'), /binary mode takes 2 logits/);
    assert.throws(() => presenceLoss(tf.zeros([2, 2]), tf.zeros([2]), 'multiclass'), /must both be \[N, K\]/);
  });
});
