import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  crossEntropy,
  deepSupervisionLoss,
  diceLoss,
  focalLoss,
  lovaszSoftmaxLoss,
  msSsim,
  msSsimLoss,
  softIoULoss,
  unet3PlusLoss,
  weightedCrossEntropy,
} from './index';
import { runOn, assertClose } from '../backend/testing';

const NAMES = [
  'ce', 'ce + class weights', 'dice', 'dice all smooth 0', 'weightedCe', 'weightedCe / weights', 'focal', 'focal alpha',
  'iou', 'iou all', 'lovasz', 'lovasz per image all', 'msssim', 'unet3plus', 'deep supervision',
];

/** Loss values and logit gradients of every loss, on one backend, for a fixed random batch with ignore pixels. */
function lossesAndGrads(): tf.Tensor[] {
  const logits = tf.randomNormal([2, 7, 6, 3], 0, 2, 'float32', 11) as tf.Tensor4D;
  const raw = tf.floor(tf.randomUniform([2, 7, 6], 0, 3.5, 'float32', 12));
  // Values 0..2 are classes; 3 becomes the ignore index 255.
  const labels = tf.cast(tf.where(tf.equal(raw, 3), tf.fill(raw.shape, 255), raw), 'int32');
  const weights = tf.add(tf.randomUniform([2, 7, 6], 0, 5, 'float32', 13), 1);
  const deep = deepSupervisionLoss((x, y) => focalLoss(x, y), [1, 0.4]);
  const terms: ((l: tf.Tensor) => tf.Scalar)[] = [
    (l) => crossEntropy(l, labels, { ignoreIndex: 255 }),
    (l) => crossEntropy(l, labels, { ignoreIndex: 255, classWeights: [0.2, 1, 3] }),
    (l) => diceLoss(l, labels, { ignoreIndex: 255 }),
    (l) => diceLoss(l, labels, { classes: 'all', smooth: 0 }),
    (l) => weightedCrossEntropy(l, labels, weights),
    (l) => weightedCrossEntropy(l, labels, weights, { normalize: 'weights' }),
    (l) => focalLoss(l, labels),
    (l) => focalLoss(l, labels, { gamma: 0.5, alpha: [0.25, 0.5, 1] }),
    (l) => softIoULoss(l, labels),
    (l) => softIoULoss(l, labels, { classes: 'all', smooth: 0 }),
    (l) => lovaszSoftmaxLoss(l, labels),
    (l) => lovaszSoftmaxLoss(l, labels, { perImage: true, classes: 'all' }),
    (l) => msSsimLoss(l, labels),
    (l) => unet3PlusLoss(l, labels),
    (l) => deep([l, tf.slice(l, [0, 1, 1, 0], [-1, 3, 4, -1])], labels),
  ];
  const identical = msSsim(tf.sigmoid(logits), tf.sigmoid(logits));
  return [
    identical,
    ...terms.flatMap((f) => {
      const { value, grad } = tf.valueAndGrad(f)(logits);
      return [value, grad];
    }),
  ];
}

test('every loss gives the same value and gradient on wasm as on the pure-JS backend', async () => {
  const cpu = await runOn('cpu-stock', lossesAndGrads);
  const wasm = await runOn('wasm-added', lossesAndGrads);
  assert.equal(wasm.length, cpu.length);
  assert.equal(cpu.length, 1 + 2 * NAMES.length);
  // MS-SSIM of identical inputs is exactly 1 on both backends.
  for (const out of [cpu[0], wasm[0]]) assert.ok(out.every((v) => v === 1), `msSsim(a, a) = ${out}`);
  for (let i = 0; i < NAMES.length; i++) {
    const [value, grad] = [1 + 2 * i, 2 + 2 * i];
    // A loss silently computed on garbage (e.g. a mis-typed one-hot) is ~0: guard against that too.
    assert.ok(cpu[value][0] > 0.05, `${NAMES[i]} = ${cpu[value][0]}`);
    assert.ok(cpu[grad].some((g) => g !== 0), `${NAMES[i]}: zero gradient`);
    assertClose(wasm[value], cpu[value], 1e-5, `${NAMES[i]} value`);
    assertClose(wasm[grad], cpu[grad], 1e-5, `${NAMES[i]} gradient`);
  }
});
