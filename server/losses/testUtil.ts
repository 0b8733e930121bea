/**
 * Helpers shared by this folder's tests (not used at run time): a seeded generator, float64 reference softmax,
 * central-difference gradients and tolerance checks.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

/** Deterministic uniform numbers in [0, 1) (the project's mulberry32). */
export { mulberry32 as rng } from '../data/rng';

/** Random integer array of `n` values in [0, k). */
export function randomInts(n: number, k: number, next: () => number): number[] {
  return Array.from({length: n}, () => Math.floor(next() * k));
}

export function close(actual: number, expected: number, tol = 1e-5, label = ''): void {
  if (actual === expected) return; // also equal infinities
  assert.ok(Math.abs(actual - expected) <= tol, `${label} expected ${expected}, got ${actual} (tolerance ${tol})`);
}

export function closeAll(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label = ''): void {
  assert.equal(actual.length, expected.length, `${label} length`);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], tol, `${label}[${i}]`);
}

/** Softmax over the last axis of NHWC logits given as a flat array with `classes` per pixel, in float64. */
export function softmax64(logits: ArrayLike<number>, classes: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < logits.length; i += classes) {
    const row = Array.from({length: classes}, (_, c) => logits[i + c]);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

/** Central-difference gradient of a float64 function of a flat vector. */
export function numericGrad(f: (x: number[]) => number, x: readonly number[], h = 1e-6): number[] {
  return x.map((_, i) => {
    const plus = [...x];
    const minus = [...x];
    plus[i] += h;
    minus[i] -= h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}

/** Value and gradient of a tensor loss at `x`, as plain arrays (no tensors left behind). */
export function valueAndGrad(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor): {value: number; grad: number[]} {
  return tf.tidy(() => {
    const {value, grad} = tf.valueAndGrad(f)(x);
    return {value: value.dataSync()[0], grad: Array.from(grad.dataSync())};
  });
}

/** Labels [N,H,W] int32 from a flat array. */
export function labelTensor(values: number[], shape: [number, number, number]): tf.Tensor3D {
  return tf.tensor3d(values, shape, 'int32');
}
