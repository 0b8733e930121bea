import * as assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {assertClose, liveCounts, runOn, seeded, useVariant, Variant} from './testing';
import {isAddedKernel} from './wasmKernels';
import {tilesExactly} from './patchConv';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface Case {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: [number, number];
  s: number;
  pad: Pad;
}

const PADS: Pad[] = [
  'same',
  'valid',
  [[0, 0], [1, 2], [0, 1], [0, 0]],
  [[0, 0], [3, 0], [0, 2], [0, 0]], // wider than the kernel: exercises the crop paths
];

function cases(): Case[] {
  const out: Case[] = [];
  for (const s of [1, 2]) {
    for (const pad of PADS) {
      for (const [h, w] of [[7, 5], [6, 8]]) {
        for (const k of [[3, 3], [2, 2], [1, 1], [3, 2]] as [number, number][]) {
          out.push({n: 2, h, w, cin: 3, cout: 4, k, s, pad});
        }
      }
    }
  }
  return out;
}

function label(c: Case): string {
  return `x ${c.n}x${c.h}x${c.w}x${c.cin}, k ${c.k}, cout ${c.cout}, s ${c.s}, pad ${JSON.stringify(c.pad)}`;
}

function outShape(c: Case): [number, number, number, number] {
  const probe = tf.conv2d(tf.zeros([c.n, c.h, c.w, c.cin]) as tf.Tensor4D, tf.zeros([...c.k, c.cin, c.cout]) as tf.Tensor4D, c.s, c.pad);
  return probe.shape;
}

/** dW and dx of one case, through the registered kernels of the active backend. */
function kernelGrads(c: Case, seed: number): tf.Tensor[] {
  const x = seeded<tf.Rank.R4>([c.n, c.h, c.w, c.cin], seed);
  const filter = seeded<tf.Rank.R4>([...c.k, c.cin, c.cout], seed + 1);
  const dy = seeded<tf.Rank.R4>(outShape(c), seed + 2);
  const common = {strides: c.s, pad: c.pad, dataFormat: 'NHWC'};
  const dW = tf.engine().runKernel('Conv2DBackpropFilter', {x, dy}, {...common, filterShape: filter.shape}) as tf.Tensor;
  const dx = tf.engine().runKernel('Conv2DBackpropInput', {dy, filter}, {...common, inputShape: x.shape}) as tf.Tensor;
  return [dW, dx];
}

/** conv2dTranspose forward and its gradients wrt input and filter (x: [n, oh, ow, cout] -> [n, h, w, cin]). */
function transposeForwardAndGrads(c: Case, seed: number): tf.Tensor[] {
  const yShape = outShape(c);
  const x = seeded<tf.Rank.R4>(yShape, seed);
  const filter = seeded<tf.Rank.R4>([...c.k, c.cin, c.cout], seed + 1);
  const weight = seeded<tf.Rank.R4>([c.n, c.h, c.w, c.cin], seed + 2);
  const outputShape: [number, number, number, number] = [c.n, c.h, c.w, c.cin];
  const forward = tf.conv2dTranspose(x, filter, outputShape, c.s, c.pad as 'same' | 'valid');
  const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.sum(tf.mul(tf.conv2dTranspose(a, b, outputShape, c.s, c.pad as 'same' | 'valid'), weight));
  const [dx, dFilter] = tf.grads(f as (...args: tf.Tensor[]) => tf.Tensor)([x, filter]);
  return [forward, dx, dFilter];
}

const VARIANTS: Variant[] = ['wasm-added', 'cpu-added'];

describe('added Conv2DBackpropFilter / Conv2DBackpropInput', () => {
  test('tiny hand-computed case: 3x3 input 1..9, 2x2 window, dy all ones', async () => {
    for (const variant of VARIANTS) {
      const [dW, dx] = await runOn(variant, () => {
        const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
        const dy = tf.ones([1, 2, 2, 1]);
        const filter = tf.ones([2, 2, 1, 1]);
        const attrs = {strides: 1, pad: 'valid', dataFormat: 'NHWC'};
        return [
          tf.engine().runKernel('Conv2DBackpropFilter', {x, dy}, {...attrs, filterShape: [2, 2, 1, 1]}) as tf.Tensor,
          tf.engine().runKernel('Conv2DBackpropInput', {dy, filter}, {...attrs, inputShape: [1, 3, 3, 1]}) as tf.Tensor,
        ];
      });
      // dW[a,b] = sum of the 2x2 block of x starting at (a,b); dx[p,q] = number of windows covering (p,q).
      assert.deepEqual(Array.from(dW), [12, 16, 24, 28], variant);
      assert.deepEqual(Array.from(dx), [1, 2, 1, 2, 4, 2, 1, 2, 1], variant);
    }
  });

  test('the added kernels are the registered ones', async () => {
    await useVariant('wasm-added');
    assert.equal(isAddedKernel('Conv2DBackpropFilter', 'wasm'), true);
    assert.equal(isAddedKernel('Conv2DBackpropInput', 'wasm'), true);
    await useVariant('cpu-added');
    assert.equal(isAddedKernel('Conv2DBackpropFilter', 'cpu'), true);
    await useVariant('cpu-stock');
    assert.equal(isAddedKernel('Conv2DBackpropFilter', 'cpu'), false);
  });

  test('match the stock cpu kernels: strides 1/2, same/valid/explicit pads, odd sizes, batch 2', async () => {
    const all = cases();
    const expected: Float32Array[][] = [];
    for (let i = 0; i < all.length; i++) {
      expected.push(await runOn('cpu-stock', () => kernelGrads(all[i], 100 + i)));
    }
    for (const variant of VARIANTS) {
      for (let i = 0; i < all.length; i++) {
        const [dW, dx] = await runOn(variant, () => kernelGrads(all[i], 100 + i));
        assertClose(dW, expected[i][0], 1e-4, `${variant} dW, ${label(all[i])}`);
        assertClose(dx, expected[i][1], 1e-4, `${variant} dx, ${label(all[i])}`);
      }
    }
  });

  test('conv2dTranspose forward and gradients match the stock cpu backend', async () => {
    const all = cases().filter((c) => typeof c.pad === 'string');
    const expected: Float32Array[][] = [];
    for (let i = 0; i < all.length; i++) {
      expected.push(await runOn('cpu-stock', () => transposeForwardAndGrads(all[i], 500 + i)));
    }
    for (const variant of VARIANTS) {
      for (let i = 0; i < all.length; i++) {
        const got = await runOn(variant, () => transposeForwardAndGrads(all[i], 500 + i));
        ['forward', 'dInput', 'dFilter'].forEach((name, j) => assertClose(got[j], expected[i][j], 1e-4, `${variant} ${name}, ${label(all[i])}`));
      }
    }
  });

  test('NCHW: cpu hands it to the stock kernel, wasm says it supports NHWC only', async () => {
    const nchw = (): tf.Tensor[] => {
      const x = seeded([2, 3, 6, 5], 1); // [N, C, H, W]
      const dy = seeded([2, 4, 6, 5], 2);
      const attrs = {strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4]};
      return [tf.engine().runKernel('Conv2DBackpropFilter', {x, dy}, attrs) as tf.Tensor];
    };
    const [expected] = await runOn('cpu-stock', nchw);
    const [got] = await runOn('cpu-added', nchw);
    assertClose(got, expected, 1e-4, 'cpu-added NCHW dW');
    await assert.rejects(runOn('wasm-added', nchw), /Conv2DBackpropFilter on 'wasm' supports dataFormat 'NHWC' only \(got 'NCHW'\)/);
  });

  test('mismatched dy shape is reported with both shapes', async () => {
    await useVariant('wasm-added');
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 4, 4, 3]);
    assert.throws(
      () => tf.engine().runKernel('Conv2DBackpropFilter', {x, dy}, {strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3]}),
      /Conv2DBackpropFilter: dy is 4x4 but a 3x3 conv with strides 1,1 on \[1,5,5,2\] gives 5x5/,
    );
    tf.dispose([x, dy]);
  });
});

describe('patch route (kernel == stride, no padding)', () => {
  test('tilesExactly: only non-overlapping windows that cover the input', () => {
    const at = (strides: number, pad: unknown, dilations = 1) => ({strides, pad, dilations});
    assert.equal(tilesExactly([1, 6, 8, 3], [2, 2, 3, 4], at(2, 'valid')), true);
    assert.equal(tilesExactly([1, 6, 8, 3], [2, 2, 3, 4], at(2, 'same')), true);
    assert.equal(tilesExactly([1, 7, 8, 3], [2, 2, 3, 4], at(2, 'valid')), false, 'row left over');
    assert.equal(tilesExactly([1, 6, 8, 3], [2, 2, 3, 4], at(1, 'valid')), false, 'overlapping windows');
    assert.equal(tilesExactly([1, 6, 8, 3], [3, 3, 3, 4], at(2, 'valid')), false, 'kernel wider than stride');
    assert.equal(tilesExactly([1, 5, 5, 3], [1, 1, 3, 4], at(1, 'same')), true, '1x1 conv');
    assert.equal(tilesExactly([1, 5, 5, 3], [1, 1, 3, 4], at(1, 'valid', 2)), false, 'dilated');
    assert.equal(tilesExactly([1, 6, 8, 3], [2, 2, 3, 4], at(2, [[0, 0], [0, 0], [0, 0], [0, 0]])), false, 'explicit pads');
  });

  test('2x2 stride-2 dW and dx by hand: every output pixel reads its own 2x2 block', async () => {
    for (const variant of VARIANTS) {
      const [dW, dx] = await runOn(variant, () => {
        const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 4, 4, 1]);
        const dy = tf.tensor4d([1, 0, 0, 2], [1, 2, 2, 1]);
        const filter = tf.tensor4d([1, 2, 3, 4], [2, 2, 1, 1]);
        const attrs = {strides: 2, pad: 'valid', dataFormat: 'NHWC'};
        return [
          tf.engine().runKernel('Conv2DBackpropFilter', {x, dy}, {...attrs, filterShape: [2, 2, 1, 1]}) as tf.Tensor,
          tf.engine().runKernel('Conv2DBackpropInput', {dy, filter}, {...attrs, inputShape: [1, 4, 4, 1]}) as tf.Tensor,
        ];
      });
      // dW[a,b] = 1 * x[a, b] (top-left block) + 2 * x[2+a, 2+b] (bottom-right block).
      assert.deepEqual(Array.from(dW), [1 + 2 * 11, 2 + 2 * 12, 5 + 2 * 15, 6 + 2 * 16], variant);
      // dx: the filter scaled by dy in each block.
      assert.deepEqual(Array.from(dx), [1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 2, 4, 0, 0, 6, 8], variant);
    }
  });
});

describe('leaks', () => {
  for (const variant of VARIANTS) {
    for (const c of [
      {n: 2, h: 7, w: 6, cin: 3, cout: 4, k: [3, 3], s: 2, pad: 'same'},
      {n: 2, h: 6, w: 8, cin: 3, cout: 4, k: [2, 2], s: 2, pad: 'valid'},
      {n: 2, h: 5, w: 3, cin: 3, cout: 4, k: [1, 1], s: 1, pad: 'same'},
    ] as Case[]) {
      test(`${variant}: kernels and gradients free every intermediate buffer (${label(c)})`, async () => {
        await useVariant(variant);
        tf.dispose(tf.tidy(() => kernelGrads(c, 1))); // warm-up: lazily created constants
        const before = liveCounts();
        tf.dispose(tf.tidy(() => kernelGrads(c, 1)));
        tf.dispose(tf.tidy(() => transposeForwardAndGrads(c, 2)));
        assert.deepEqual(liveCounts(), before);
      });
    }
  }
});
