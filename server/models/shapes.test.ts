/**
 * smp's parametrised shape test: every architecture x encoder x depth 3-5 builds and maps a 32x32 batch with
 * `inChannels` channels to [N, 32, 32, classes] (plus its auxiliary outputs), symbolically and in a forward pass.
 * Zero kernels (shapes only) and the WASM backend, the training backend, for speed; gradients are in
 * gradients.test.ts.
 */
import {before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {MODEL_ARCHS, createModel} from './registry';
import {ENCODER_NAMES} from './encoders';
import {withZeroInit} from './base/layers';
import {CLASSES, asList, expectedShapes, smallConfig} from './testConfigs';

// Each test file runs in its own process: switching this one to wasm affects no other file.
before(async () => {
  tf.env().set('PROD', true);
  assert.equal(await tf.setBackend('wasm'), true);
});

describe('every architecture x encoder x depth: output shapes (wasm)', () => {
  for (const arch of MODEL_ARCHS) {
    for (const encoderName of ENCODER_NAMES) {
      test(`${arch} ${encoderName} depths 3-5`, () => {
        for (const depth of [3, 4, 5]) {
          // The extra outputs are exercised too: deep supervision, the presence heads, pruning.
          const extra =
            arch === 'unet3plus' ? {deepSupervision: depth !== 4, cgm: ['binary', 'none', 'multiclass'][depth - 3]}
            : arch === 'unetplusplus' ? {deepSupervision: depth === 4, pruneLevel: depth === 5 ? 3 : undefined}
            : {};
          const c = smallConfig(arch, encoderName, depth, extra);
          const model = withZeroInit(() => createModel(c, [null, null]));
          try {
            const symbolic = Array.isArray(model.outputShape[0]) ? (model.outputShape as tf.Shape[]) : [model.outputShape as tf.Shape];
            const expected = expectedShapes(c, 1, 32);
            assert.deepEqual(symbolic, expected.map((s) => (s.length === 4 ? [null, null, null, CLASSES] : [null, s[1]])), `${arch} ${encoderName} ${depth}`);
            const actual = tf.tidy(() => asList(model.predict(tf.zeros([1, 32, 32, 2])) as tf.Tensor | tf.Tensor[]).map((t) => t.shape));
            assert.deepEqual(actual, expected, `${arch} ${encoderName} ${depth}`);
          } finally {
            model.dispose();
          }
        }
      });
    }
  }
});
