import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, diceLoss } from './index';
import { runOn, assertClose } from '../backend/testing';

/** Loss values and logit gradients of every loss, on one backend, for a fixed random batch with ignore pixels. */
function lossesAndGrads(): tf.Tensor[] {
  const logits = tf.randomNormal([2, 5, 3, 3], 0, 2, 'float32', 11) as tf.Tensor4D;
  const raw = tf.floor(tf.randomUniform([2, 5, 3], 0, 3.5, 'float32', 12));
  // Values 0..2 are classes; 3 becomes the ignore index 255.
  const labels = tf.cast(tf.where(tf.equal(raw, 3), tf.fill(raw.shape, 255), raw), 'int32');
  const terms: ((l: tf.Tensor) => tf.Scalar)[] = [
    (l) => crossEntropy(l, labels, { ignoreIndex: 255 }),
    (l) => crossEntropy(l, labels, { ignoreIndex: 255, classWeights: [0.2, 1, 3] }),
    (l) => diceLoss(l, labels, { ignoreIndex: 255 }),
  ];
  return terms.flatMap((f) => {
    const { value, grad } = tf.valueAndGrad(f)(logits);
    return [value, grad];
  });
}

test('every loss gives the same value and gradient on wasm as on the pure-JS backend', async () => {
  const cpu = await runOn('cpu-stock', lossesAndGrads);
  const wasm = await runOn('wasm-added', lossesAndGrads);
  assert.equal(wasm.length, cpu.length);
  // A loss silently computed on garbage (e.g. a mis-typed one-hot) is ~0: guard against that too.
  for (let i = 0; i < cpu.length; i += 2) assert.ok(cpu[i][0] > 0.05, `loss ${i / 2} = ${cpu[i][0]}`);
  cpu.forEach((expected, i) => assertClose(wasm[i], expected, 1e-5, `output ${i}`));
});
