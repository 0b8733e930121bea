import * as assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {peakBytesOfStep, WASM_HEAP_LIMIT_BYTES, wasmHeapBytes} from './memory';
import {useVariant} from './testing';

describe('WASM heap helpers', () => {
  test('the limit is 4 GiB', () => {
    assert.equal(WASM_HEAP_LIMIT_BYTES, 4294967296);
  });

  for (const variant of ['cpu-stock', 'wasm-added'] as const) {
    test(`${variant}: peakBytesOfStep counts what the step holds at once, not what existed before`, async () => {
      await useVariant(variant);
      const x = tf.ones([1000]); // 4000 bytes, allocated before the step: not counted
      // square (4000 B live) -> exp (8000 B live) -> dispose the square (4000 B) -> neg (8000 B): peak 8000.
      const disposing = await peakBytesOfStep(() => {
        const a = tf.square(x);
        const b = tf.exp(a);
        a.dispose();
        tf.neg(b);
      });
      assert.equal(disposing, 8000);
      // Without the dispose all three 1000-float results are alive at the end: 12000.
      const keeping = await peakBytesOfStep(() => {
        tf.neg(tf.exp(tf.square(x)));
      });
      assert.equal(keeping, 12000);
      x.dispose();
    });
  }

  test('the step\'s tensors are disposed afterwards', async () => {
    await useVariant('cpu-stock');
    const before = tf.memory().numTensors;
    await peakBytesOfStep(() => {
      tf.square(tf.ones([10]));
    });
    assert.equal(tf.memory().numTensors, before);
  });

  test('a step that runs no kernel peaks at 0', async () => {
    assert.equal(await peakBytesOfStep(() => undefined), 0);
  });

  test('wasmHeapBytes reports the heap on wasm only', async () => {
    await useVariant('wasm-added');
    const heap = wasmHeapBytes();
    assert.ok(heap != null && heap > 0 && heap <= WASM_HEAP_LIMIT_BYTES, `heap ${heap}`);
    await useVariant('cpu-stock');
    assert.equal(wasmHeapBytes(), null);
  });
});
