import * as assert from 'node:assert/strict';
import {test} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {runOn} from './testing';

test('wasm OneHot honours float32 (stock writes int32 bits: 1 -> 1.4e-45) and matches cpu, without leaks', async () => {
  const make = (): tf.Tensor[] => {
    const labels = tf.tensor1d([0, 2, 1, 2, 5], 'int32');
    return [tf.oneHot(labels, 3, 1, 0, 'float32'), tf.oneHot(labels, 3, 4, -1, 'float32'), tf.oneHot(labels, 3)];
  };
  const cpu = await runOn('cpu-stock', make);
  const wasm = await runOn('wasm-added', make);
  // Hand-computed: rows of the identity, an all-off row for the out-of-range label 5.
  assert.deepEqual([...cpu[0]], [1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
  for (let i = 0; i < 3; i++) assert.deepEqual([...wasm[i]], [...cpu[i]], `case ${i}`);
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    tf.oneHot(tf.tensor1d([1], 'int32'), 2, 1, 0, 'float32');
  });
  assert.equal(tf.memory().numTensors, before);
});
