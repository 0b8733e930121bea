import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { withSeededRandom } from './seeded';

function build(): tf.LayersModel {
  const input = tf.input({ shape: [4, 4, 1] });
  const out = tf.layers.conv2d({ filters: 3, kernelSize: 3, kernelInitializer: 'heNormal' }).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

test('the same seed gives the same initial weights, another seed others; Math.random is restored', () => {
  const original = Math.random;
  const [a, b, c] = [1, 1, 2].map((s) => withSeededRandom(s, build));
  const w = (m: tf.LayersModel): Float32Array => m.getWeights()[0].dataSync() as Float32Array;
  assert.deepEqual(w(a), w(b));
  assert.notDeepEqual(w(a), w(c));
  assert.equal(Math.random, original);
  [a, b, c].forEach((m) => m.dispose());
});
