/** Helpers shared by the band tests (bands.test.ts, cropped.test.ts); not used at run time. */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../data/rng';
import type { ModelConfig } from '../models/registry';
import { smallConfig } from '../models/testConfigs';
import { UNET_DEFAULTS } from '../models/unet/model';
import type { SplitAxis } from './bands';

export type Shape4 = [number, number, number, number];

export function seededInput(shape: readonly number[], seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * rng() - 1);
}

/** Logits of `model` for an NHWC array (first output of multi-output models). */
export function logits(model: { predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] }, input: Float32Array, shape: Shape4): { data: Float32Array; channels: number } {
  const y = tf.tidy(() => {
    const out = model.predict(tf.tensor4d(input, shape));
    return Array.isArray(out) ? out[0] : out;
  });
  const data = y.dataSync() as Float32Array;
  const channels = y.shape[3] as number;
  y.dispose();
  return { data, channels };
}

/** Largest |a − b| relative to max|b| (untrained models have small logits: an absolute scale would hide errors). */
export function relDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let scale = 1e-12;
  let d = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    d = Math.max(d, Math.abs(a[i] - b[i]));
  }
  return d / scale;
}

/** BatchNorms with random statistics, so folding and band-edge effects are not hidden by identity BNs. */
export function randomBatchNorms(model: tf.LayersModel, seed: number): tf.LayersModel {
  const rng = mulberry32(seed);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const w = layer.getWeights();
    const fresh = w.map((t, i) => tf.tensor(Float32Array.from({ length: t.size }, () => (i === w.length - 1 ? 0.5 + rng() : rng() - 0.5)), t.shape));
    layer.setWeights(fresh);
    tf.dispose(fresh);
  }
  return model;
}

const classic = (extra: object): ModelConfig => ({ ...UNET_DEFAULTS, inChannels: 1, classes: 2, baseFilters: 4, ...extra }) as ModelConfig;

/** Models and inputs large enough that two bands with halos are really cut. */
export const BAND_CASES: readonly [string, ModelConfig, Shape4, SplitAxis][] = [
  ['classic U-Net depth 2', classic({ encoderDepth: 2 }), [1, 96, 12, 1], 1],
  ['classic U-Net depth 2, split by columns', classic({ encoderDepth: 2 }), [2, 8, 96, 1], 2],
  ['classic U-Net depth 4', classic({ encoderDepth: 4 }), [1, 256, 16, 1], 1],
  ['classic U-Net depth 4, bilinear', classic({ encoderDepth: 4, upsampling: 'bilinear' }), [1, 320, 16, 1], 1],
  ['ResNet-18 U-Net depth 3', smallConfig('unet', 'resnet18', 3), [1, 160, 16, 2], 1],
  ['ResNet-18 U-Net depth 5', smallConfig('unet', 'resnet18', 5), [1, 704, 32, 2], 1],
];
