import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../config/load';
import type { RawSample } from '../data/types';
import { unetWeightMap } from '../losses/weightMap';
import { buildBatch, trainGeometry } from './batches';
import { attachWeightMaps, pixelCounts, weightMapOptionsOf } from './weightMaps';

/** Two 2-pixel-wide objects separated by a 2-pixel gap on a 6x8 background. */
function twoObjects(): RawSample {
  const mask = new Uint8Array(6 * 8);
  for (let y = 1; y < 5; y++) for (const x of [1, 2, 5, 6]) mask[y * 8 + x] = 1;
  return { id: 'two', height: 6, width: 8, channels: 1, image: new Uint8Array(48).fill(100), mask };
}

test('defaults are the paper\'s w0 = 10, sigma = 5; a weightedCe term overrides them', () => {
  assert.deepEqual(weightMapOptionsOf(undefined, 2, 255, []), { classes: 2, ignoreIndex: 255, w0: 10, sigma: 5 });
  const o = weightMapOptionsOf({ w0: 3, sigma: 2, classWeights: [1, 2] }, 2, 255, []);
  assert.deepEqual([o.w0, o.sigma, o.classWeights], [3, 2, [1, 2]]);
  assert.throws(() => weightMapOptionsOf({ classWeights: [1] }, 2, 255, []), /weightedCe classWeights has 1 entries but the data has 2 classes/);
});

test("'balanced' takes the class weights from the training set's pixel counts", () => {
  const s = twoObjects();
  // 16 object pixels, 32 background: median frequency balancing gives each class median / its frequency.
  assert.deepEqual(pixelCounts([s], 2), [32, 16]);
  const o = weightMapOptionsOf({ classWeights: 'balanced' }, 2, 255, [s]);
  const f = [32 / 48, 16 / 48];
  const median = (f[0] + f[1]) / 2;
  o.classWeights!.forEach((w, c) => assert.ok(Math.abs(w - median / f[c]) < 1e-9, `class ${c}: ${w}`));
});

test('maps are attached once per sample and reach the batch as the loss weight plane', () => {
  const s = twoObjects();
  const opts = weightMapOptionsOf({ sigma: 2 }, 2, 255, [s]);
  const [withMap] = attachWeightMaps([s], opts);
  assert.deepEqual(withMap.weight, unetWeightMap(s.mask, 6, 8, opts));
  // Gap pixel (2, 3): d1 = 1 (x = 2), d2 = 2 (x = 5) -> border term 10 exp(-9 / 8) on top of w_c.
  const wc = 48 / (2 * 32); // per-mask inverse frequency of the background: total / (K count_0)
  assert.ok(Math.abs(withMap.weight![2 * 8 + 3] - (wc + 10 * Math.exp(-9 / 8))) < 1e-5);
  const cfg = { ...validateConfig({ input: { size: [6, 8], resize: 'resize' }, model: { encoderDepth: 1 }, train: { augment: 'none' } }, 's.json', '/'), source: null };
  const g = trainGeometry(cfg);
  const b = buildBatch({ cfg, inChannels: 1, ignoreIndex: 255, inputSize: g.inputSize, outputSize: g.outputSize, normalize: { mean: [0], std: [1] } }, [withMap], 0);
  assert.deepEqual(b.w?.dataSync(), withMap.weight);
  tf.dispose([b.x, b.y, b.w!]);
});
