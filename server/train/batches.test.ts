import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../config/load';
import type { RawSample } from '../data/types';
import { augmentSample, buildBatch, TrainSampler, trainGeometry } from './batches';

function cfgWith(over: object) {
  return { ...validateConfig(over, 'seglab.json', '/tmp'), source: null };
}

/** A sample whose pixel value encodes its position and whose mask equals the image. */
function coordSample(h: number, w: number): RawSample {
  const image = new Uint8Array(h * w);
  for (let i = 0; i < h * w; i++) image[i] = i % 251;
  return { id: 'coord', height: h, width: w, channels: 1, image, mask: image.slice() };
}

function ctxOf(cfg: ReturnType<typeof cfgWith>, train: RawSample[] = []) {
  const g = trainGeometry(cfg);
  return { cfg, inChannels: 1, ignoreIndex: 255, inputSize: g.inputSize, outputSize: g.outputSize, normalize: { mean: [0], std: [1] }, train };
}

test('augmentation moves the mask with the image', () => {
  const cfg = cfgWith({ input: { size: 16 } });
  const ctx = ctxOf(cfg);
  const s = coordSample(40, 40);
  for (let seed = 0; seed < 20; seed++) {
    const a = augmentSample(ctx, s, seed);
    assert.deepEqual(a.mask, a.image, `seed ${seed}`);
  }
});

test('valid padding: the label is the centre of the crop at the output size', () => {
  const cfg = cfgWith({ input: { size: 44 }, model: { padding: 'valid', encoderDepth: 1 }, train: { augment: { hflip: false, vflip: false, rot90: false } } });
  const ctx = ctxOf(cfg);
  // depth 1: 44 -> two valid 3x3 convs 40 -> pool 20 -> two convs 16 -> up 32 -> two convs 28; margin (44-28)/2 = 8.
  assert.deepEqual(ctx.outputSize, [28, 28]);
  const a = augmentSample(ctx, coordSample(44, 44), 1);
  assert.equal(a.mask.length, 28 * 28);
  for (const [y, x] of [[0, 0], [5, 17], [27, 27]]) assert.equal(a.mask[y * 28 + x], a.image[(y + 8) * 44 + x + 8]);
});

test('a bad crop size names the field and the valid sizes near it', () => {
  assert.throws(() => trainGeometry(cfgWith({ input: { size: 60 } })), /`input.size` 60: input height 60 is not divisible by 2\^encoderDepth = 16.*48 or 64/);
});

test('batches are a function of (seed, epoch, step): same batch in a fresh sampler, different next step', () => {
  const cfg = cfgWith({ input: { size: 16 }, train: { batchSize: 2 } });
  const train = [0, 1, 2, 3, 4].map((k) => ({ ...coordSample(24, 24), id: String(k), image: coordSample(24, 24).image.map((v) => (v + 40 * k) % 256) }));
  const a = new TrainSampler(ctxOf(cfg, train), 3);
  const b = new TrainSampler(ctxOf(cfg, train), 3);
  const b1 = a.batch(2, 1);
  const b2 = b.batch(2, 1);
  const b3 = b.batch(2, 2);
  assert.deepEqual(b1.x.dataSync(), b2.x.dataSync());
  assert.notDeepEqual(b1.x.dataSync(), b3.x.dataSync());
  // An epoch of 3 steps x 2 = 6 draws covers every sample at least once.
  assert.deepEqual(new Set(a.epochOrder(5)), new Set([0, 1, 2, 3, 4]));
  tf.dispose([b1.x, b1.y, b2.x, b2.y, b3.x, b3.y]);
});

test('buildBatch normalises and converts channels', () => {
  const cfg = cfgWith({ input: { size: 16, resize: 'resize' }, train: { augment: { hflip: false, vflip: false, rot90: false } } });
  const ctx = { ...ctxOf(cfg), inChannels: 3, normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } };
  const s: RawSample = { id: 'w', height: 16, width: 16, channels: 1, image: new Uint8Array(256).fill(255), mask: new Uint8Array(256) };
  const { x, y } = buildBatch(ctx, [s], 0);
  assert.deepEqual(x.shape, [1, 16, 16, 3]);
  assert.ok(x.dataSync().every((v) => Math.abs(v - 1) < 1e-6)); // (1 - 0.5) / 0.5
  assert.equal(y.dtype, 'int32');
  tf.dispose([x, y]);
});
