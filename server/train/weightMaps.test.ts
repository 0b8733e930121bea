import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../config/load';
import { SyntheticDataset } from '../data/synthetic';
import type { RawSample } from '../data/types';
import { unetWeightMap } from '../losses/weightMap';
import { buildBatch, trainGeometry } from './batches';
import { attachWeightMaps, pixelCounts, trainSamplesOf, weightMapOptionsOf } from './weightMaps';

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

/** The two objects of twoObjects() joined by a bridge in row 1 (one component) but two COCO-style instances. */
function touchingInstances(): RawSample {
  const s = twoObjects();
  const mask = s.mask.slice();
  const instances = new Uint16Array(48);
  for (let y = 1; y < 5; y++) for (const x of [1, 2, 5, 6]) instances[y * 8 + x] = x < 4 ? 1 : 2;
  for (const x of [3, 4]) [mask[8 + x], instances[8 + x]] = [1, 1];
  return { ...s, id: 'touching', mask, instances };
}

test('with an instance map the instances are the objects, and the training sample drops the map', () => {
  const s = touchingInstances();
  const opts = weightMapOptionsOf({ sigma: 2 }, 2, 255, [s]);
  const [t] = attachWeightMaps([s], opts);
  assert.equal('instances' in t, false);
  assert.deepEqual(t.weight, unetWeightMap(s.mask, 6, 8, { ...opts, instances: s.instances }));
  // Gap pixel (3, 3): d1 = 1 (x = 2), d2 = 2 (x = 5) from the instances; as one component it has no border term.
  const components = unetWeightMap(s.mask, 6, 8, opts);
  const wc = 48 / (2 * 30); // 30 background pixels: total / (K count_0)
  assert.ok(Math.abs(t.weight![3 * 8 + 3] - (wc + 10 * Math.exp(-9 / 8))) < 1e-5);
  assert.ok(Math.abs(components[3 * 8 + 3] - wc) < 1e-6);
  // Without a weightedCe term the samples are passed on as they are, less the instance map.
  const [plain] = trainSamplesOf([s], undefined);
  assert.equal('instances' in plain, false);
  assert.equal(plain.mask, s.mask);
  assert.equal(plain.weight, undefined);
  assert.equal(trainSamplesOf([s], opts)[0].weight?.length, 48);
});

test('samples of a dataset without instances (synthetic) get the connected-components map, as before', async () => {
  const s = await new SyntheticDataset({ kind: 'cells', count: 1, size: 16, seed: 3 }).get(0);
  assert.equal(s.instances, undefined);
  const opts = weightMapOptionsOf(undefined, 2, 255, [s]);
  assert.deepEqual(trainSamplesOf([s], opts)[0].weight, unetWeightMap(s.mask, 16, 16, opts));
});

test('an instance-based map reaches the batch cropped like the labels; no tensor leaks', () => {
  const [t] = attachWeightMaps([touchingInstances()], weightMapOptionsOf({ sigma: 2 }, 2, 255, []));
  const cfg = { ...validateConfig({ input: { size: [6, 8], resize: 'resize' }, model: { encoderDepth: 1 }, train: { augment: 'none' } }, 's.json', '/'), source: null };
  const g = trainGeometry(cfg);
  const before = tf.memory().numTensors;
  const b = buildBatch({ cfg, inChannels: 1, ignoreIndex: 255, inputSize: g.inputSize, outputSize: g.outputSize, normalize: { mean: [0], std: [1] } }, [t], 0);
  assert.deepEqual(b.w?.dataSync(), t.weight);
  tf.dispose([b.x, b.y, b.w!]);
  assert.equal(tf.memory().numTensors, before);
});
