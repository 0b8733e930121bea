import * as assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {assertClose, liveCounts, runOn, seeded, useVariant} from './testing';
import {installDepthwiseTrainingKernels} from './depthwiseGrads';

interface Case {
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly m: number;
  readonly k: number;
  readonly s: number;
  readonly pad: 'same' | 'valid';
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const s of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      for (const [h, w] of [[7, 5], [8, 6]]) {
        for (const [k, m] of [[3, 1], [5, 1], [3, 2], [1, 1]]) out.push({h, w, c: 3, m, k, s, pad});
      }
    }
  }
  return out;
}

const label = (c: Case): string => `${c.h}x${c.w}x${c.c} k${c.k} m${c.m} s${c.s} ${c.pad}`;

/** Forward, dx and dW of a depthwise conv through tf.grads (so through the registered gradient kernels). */
function forwardAndGrads(c: Case, seed: number): tf.Tensor[] {
  const x = seeded<tf.Rank.R4>([2, c.h, c.w, c.c], seed);
  const filter = seeded<tf.Rank.R4>([c.k, c.k, c.c, c.m], seed + 1);
  const y = tf.depthwiseConv2d(x, filter, c.s, c.pad);
  const weight = seeded<tf.Rank.R4>(y.shape, seed + 2);
  const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), weight));
  const [dx, dW] = tf.grads(f)([x, filter]);
  return [y, dx, dW];
}

describe('WASM depthwise conv gradients', () => {
  test('hand-computed: 3x3 input 1..9, one 2x2 window of ones, dy ones', async () => {
    await useVariant('wasm-added');
    installDepthwiseTrainingKernels('wasm');
    const [dW, dx] = await runOn('wasm-added', () => {
      const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
      const dy = tf.ones([1, 2, 2, 1]);
      const attrs = {strides: 1, pad: 'valid', dilations: 1};
      return [
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', {x, dy}, {...attrs, filterShape: [2, 2, 1, 1]}) as tf.Tensor,
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', {dy, filter: tf.ones([2, 2, 1, 1])}, {...attrs, inputShape: [1, 3, 3, 1]}) as tf.Tensor,
      ];
    });
    assert.deepEqual(Array.from(dW), [12, 16, 24, 28]);
    assert.deepEqual(Array.from(dx), [1, 2, 1, 2, 4, 2, 1, 2, 1]);
  });

  test('match the stock cpu kernels to 1e-4: strides 1/2, same/valid, k 1/3/5, multiplier 1/2, batch 2', async () => {
    const all = cases();
    const expected: Float32Array[][] = [];
    for (let i = 0; i < all.length; i++) expected.push(await runOn('cpu-stock', () => forwardAndGrads(all[i], 10 + i)));
    await useVariant('wasm-added');
    installDepthwiseTrainingKernels('wasm');
    for (let i = 0; i < all.length; i++) {
      const got = await runOn('wasm-added', () => forwardAndGrads(all[i], 10 + i));
      ['forward', 'dx', 'dW'].forEach((name, j) => assertClose(got[j], expected[i][j], 1e-4, `${name}, ${label(all[i])}`));
    }
  });

  test('idempotent install; no tensors or buffers leak', async () => {
    await useVariant('wasm-added');
    installDepthwiseTrainingKernels('wasm');
    assert.deepEqual(installDepthwiseTrainingKernels('wasm'), []);
    assert.deepEqual(installDepthwiseTrainingKernels('cpu'), [], 'cpu has stock kernels');
    const x = seeded<tf.Rank.R4>([1, 9, 9, 4], 1);
    const before = liveCounts();
    for (let i = 0; i < 2; i++) {
      tf.tidy(() => {
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, tf.ones([3, 3, 4, 2])]);
      });
    }
    assert.deepEqual(liveCounts(), before);
    x.dispose();
  });
});
