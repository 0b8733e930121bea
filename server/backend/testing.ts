/**
 * Helpers shared by this folder's tests (not used at run time): deterministic random tensors, backend switching
 * with or without the added kernels, and tolerance checks.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {installTrainingKernels, uninstallTrainingKernels} from './wasmKernels';

/** Deterministic values in [-1, 1) (mulberry32). */
export function seededValues(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A float32 tensor of `shape` filled with seededValues (on the active backend). */
export function seeded<R extends tf.Rank>(shape: number[], seed: number): tf.Tensor<R> {
  const t: tf.Tensor = tf.tensor(seededValues(sizeOf(shape), seed), shape);
  return t as tf.Tensor<R>;
}

export type Variant = 'cpu-stock' | 'cpu-added' | 'wasm-added';

/** Activates the backend of `variant` with the stock or the added training kernels (PROD on: no tfjs noise). */
export async function useVariant(variant: Variant): Promise<void> {
  tf.env().set('PROD', true);
  const backend = variant.startsWith('wasm') ? 'wasm' : 'cpu';
  const ok = await tf.setBackend(backend);
  assert.equal(ok, true, `tf.setBackend('${backend}') failed`);
  if (variant === 'cpu-stock') {
    uninstallTrainingKernels('wasm');
    uninstallTrainingKernels('cpu');
  } else {
    installTrainingKernels(backend);
  }
}

/** Runs `fn` on `variant` and returns the data of every tensor it returns (disposing them). */
export async function runOn(variant: Variant, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await useVariant(variant);
  const outs = tf.tidy(fn);
  const data = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return data;
}

/** Asserts |actual - expected| <= tol * max(1, max|expected|) elementwise. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length ${actual.length} vs ${expected.length}`);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= tol * scale)) {
      assert.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]} (tolerance ${tol * scale})`);
    }
  }
}

/** Asserts |actual - expected| <= rel * max|expected| (+1e-7) elementwise: relative to the tensor's scale. */
export function assertRelClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, label: string): void {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  assertClose(actual, expected, (rel * scale + 1e-7) / Math.max(1, scale), label);
}

/** Counts of live tensors and of buffers held by the active backend (catches leaks inside kernels too). */
export function liveCounts(): {tensors: number; buffers: number} {
  const backend = tf.backend() as {numDataIds(): number};
  return {tensors: tf.memory().numTensors, buffers: backend.numDataIds()};
}
