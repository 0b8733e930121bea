/**
 * One parametrised test over every loss (as smp does over every architecture): finite values and gradients on
 * all-background, all-ignored and saturated batches, exactly 0 with zero gradients when nothing is labelled, and
 * no leaked tensors.
 */
import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {LOSS_TYPES, LossFn, combinedLoss} from './combined';
import {deepSupervisionLoss} from './deepSupervision';
import {rng} from './testUtil';

const SHAPE: [number, number, number, number] = [2, 5, 6, 3];
const PIXELS = SHAPE[0] * SHAPE[1] * SHAPE[2];

/** Every term type alone, plus a deep-supervised sum of all of them. */
function losses(): [string, LossFn][] {
  const each: [string, LossFn][] = LOSS_TYPES.map((type) => [type, combinedLoss([{type, weight: 1}])]);
  const all = combinedLoss(LOSS_TYPES.map((type) => ({type, weight: 1})));
  const deep = deepSupervisionLoss(all, [1, 0.5]);
  each.push([
    'deep supervision (all terms, a half-size side output)',
    (x, y, e) => tf.tidy(() => deep([x, tf.slice(x, [0, 0, 0, 0], [-1, 3, 3, -1])], y, e)),
  ]);
  return each;
}

function logits(scale: number, seed: number): number[] {
  const next = rng(seed);
  return Array.from({length: PIXELS * SHAPE[3]}, () => scale * (2 * next() - 1));
}

function run(loss: LossFn, x: number[], y: number[]): {value: number; grad: Float32Array} {
  return tf.tidy(() => {
    const yt = tf.tensor3d(y, SHAPE.slice(0, 3) as [number, number, number], 'int32');
    const extras = {pixelWeights: tf.fill(yt.shape, 2)};
    const {value, grad} = tf.valueAndGrad((l: tf.Tensor) => loss(l, yt, extras))(tf.tensor4d(x, SHAPE));
    return {value: value.dataSync()[0], grad: grad.dataSync() as Float32Array};
  });
}

describe('every loss', () => {
  for (const [name, loss] of losses()) {
    test(`${name}: finite on all-background and saturated batches`, () => {
      const background = new Array<number>(PIXELS).fill(0);
      const mixed = Array.from({length: PIXELS}, (_, i) => [0, 1, 2, 255][i % 4]);
      for (const [label, x, y] of [
        ['all background', logits(3, 1), background],
        ['all background, saturated', logits(80, 2), background],
        ['mixed, saturated', logits(80, 3), mixed],
      ] as const) {
        const {value, grad} = run(loss, [...x], [...y]);
        assert.ok(Number.isFinite(value), `${label}: value ${value}`);
        assert.ok(grad.every(Number.isFinite), `${label}: a gradient is not finite`);
      }
    });

    test(`${name}: all ignored gives 0 and zero gradients`, () => {
      const {value, grad} = run(loss, logits(3, 4), new Array<number>(PIXELS).fill(255));
      assert.ok(value === 0, `value ${value}`);
      assert.ok(grad.every((g) => g === 0), 'gradients must all be 0');
    });

    test(`${name}: does not leak`, () => {
      const x = tf.tensor4d(logits(2, 5), SHAPE);
      const y = tf.tensor3d(Array.from({length: PIXELS}, (_, i) => [0, 1, 255][i % 3]), SHAPE.slice(0, 3) as [number, number, number], 'int32');
      const w = tf.ones(y.shape);
      const before = tf.memory().numTensors;
      const v = loss(x, y, {pixelWeights: w});
      assert.ok(v.dataSync()[0] > 0);
      v.dispose();
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([x, y, w]);
    });
  }
});
