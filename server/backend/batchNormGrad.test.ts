import * as assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {broadcastBatchNormGrad} from './batchNormGrad';
import {assertClose, liveCounts, runOn, seeded, useVariant, Variant} from './testing';
import {installTrainingKernels, uninstallTrainingKernels} from './wasmKernels';

const X_SHAPE = [2, 3, 5, 4];
const C = 4;
const EPS = 1e-3;

/** Gradients of sum(batchNorm(x, mean, variance, offset, scale) * w) wrt x, mean, variance, offset, scale. */
function bnGrads(seed: number): tf.Tensor[] {
  const x = seeded<tf.Rank.R4>(X_SHAPE, seed);
  const w = seeded<tf.Rank.R4>(X_SHAPE, seed + 1);
  const mean = seeded<tf.Rank.R1>([C], seed + 2);
  const variance = tf.add(tf.abs(seeded<tf.Rank.R1>([C], seed + 3)), 0.1) as tf.Tensor1D;
  const offset = seeded<tf.Rank.R1>([C], seed + 4);
  const scale = seeded<tf.Rank.R1>([C], seed + 5);
  const f = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
    tf.sum(tf.mul(tf.batchNorm(a as tf.Tensor4D, m as tf.Tensor1D, v as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, EPS), w));
  return tf.grads(f)([x, mean, variance, offset, scale]);
}

/**
 * Gradients wrt x, scale and offset when mean and variance come from tf.moments(x), as in a training-mode
 * BatchNormalization layer (so the mean and variance gradients flow back into x too).
 */
function bnTrainingModeGrads(seed: number): tf.Tensor[] {
  const x = seeded<tf.Rank.R4>(X_SHAPE, seed);
  const w = seeded<tf.Rank.R4>(X_SHAPE, seed + 1);
  const offset = seeded<tf.Rank.R1>([C], seed + 2);
  const scale = seeded<tf.Rank.R1>([C], seed + 3);
  const f = (a: tf.Tensor, o: tf.Tensor, s: tf.Tensor) => {
    const {mean, variance} = tf.moments(a, [0, 1, 2]);
    return tf.sum(tf.mul(tf.batchNorm(a as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, EPS), w));
  };
  return tf.grads(f)([x, offset, scale]);
}

const NAMES = ['x', 'mean', 'variance', 'offset', 'scale'];
const VARIANTS: Variant[] = ['cpu-added', 'wasm-added'];

describe('broadcasting FusedBatchNorm gradient', () => {
  test('hand-computed 1-channel case: x=[1,3], mean 2, variance 1 (eps 0), scale 2, dy ones', async () => {
    for (const variant of VARIANTS) {
      const got = await runOn(variant, () => {
        const f = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
          tf.sum(tf.batchNorm(a as tf.Tensor4D, m as tf.Tensor1D, v as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, 0));
        return tf.grads(f)([tf.tensor4d([1, 3], [1, 1, 2, 1]), tf.tensor1d([2]), tf.tensor1d([1]), tf.tensor1d([0]), tf.tensor1d([2])]);
      });
      // y = 2 (x - m) / sqrt(v): dx = 2 each; dm = -2 * 2 = -4; dv = -0.5 * 2 * sum(x - m) = 0;
      // doffset = 2; dscale = sum(x - m) = 0.
      const expected = [[2, 2], [-4], [0], [2], [0]];
      NAMES.forEach((name, i) => assertClose(got[i], expected[i], 1e-6, `${variant} d${name}`));
    }
  });

  test('matches the stock tfjs-core gradient wrt x, mean, variance, offset and scale (rank-4 x, rank-1 params)', async () => {
    const expected = await runOn('cpu-stock', () => bnGrads(7));
    const expectedMoments = await runOn('cpu-stock', () => bnTrainingModeGrads(9));
    for (const variant of VARIANTS) {
      const got = await runOn(variant, () => bnGrads(7));
      NAMES.forEach((name, i) => assertClose(got[i], expected[i], 1e-4, `${variant} d${name}`));
      const moments = await runOn(variant, () => bnTrainingModeGrads(9));
      ['x', 'offset', 'scale'].forEach((name, i) => assertClose(moments[i], expectedMoments[i], 1e-4, `${variant} d${name} through moments`));
    }
  });

  test('is the registered gradient, and its backward pass runs no Tile kernel (the stock one does)', async () => {
    await useVariant('cpu-stock');
    const stock = await tf.profile(() => tf.dispose(tf.tidy(() => bnGrads(3))));
    assert.ok(stock.kernelNames.includes('Tile'), 'the stock gradient was expected to tile');
    await useVariant('cpu-added');
    assert.equal(tf.getGradient('FusedBatchNorm'), broadcastBatchNormGrad);
    const ours = await tf.profile(() => tf.dispose(tf.tidy(() => bnGrads(3))));
    assert.equal(ours.kernelNames.includes('Tile'), false);
  });

  test('installing it prints no "Overriding the gradient" warning, even in DEBUG mode', async () => {
    await useVariant('cpu-stock');
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
    try {
      tf.env().set('PROD', false);
      tf.env().set('DEBUG', true);
      installTrainingKernels('cpu');
      uninstallTrainingKernels('cpu');
      installTrainingKernels('cpu');
    } finally {
      tf.env().set('DEBUG', false);
      tf.env().set('PROD', true);
      console.warn = warn;
    }
    assert.deepEqual(warnings.filter((w) => /overriding|already registered/i.test(w)), []);
  });

  for (const variant of VARIANTS) {
    test(`${variant}: no leaks`, async () => {
      await useVariant(variant);
      tf.dispose(tf.tidy(() => bnGrads(1)));
      const before = liveCounts();
      tf.dispose(tf.tidy(() => bnGrads(1)));
      tf.dispose(tf.tidy(() => bnTrainingModeGrads(2)));
      assert.deepEqual(liveCounts(), before);
    });
  }
});
