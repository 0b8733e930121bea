import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../data/rng';
import type { RawSample } from '../data/types';
import { buildUnet, UNET_DEFAULTS } from '../models/unet/model';
import { flipHWC, resizeFloat } from './pixels';
import { argmaxClasses, predictSample, segment, softmaxInPlace } from './segment';
import { bruteForce, knownConv, maxDiff } from './testModels';
import { InferSpec, predictClassMaps, prepareInput } from './whole';

function rgbSample(H: number, W: number, C: number, seed: number, constant?: number): RawSample {
  const rng = mulberry32(seed);
  const image = Uint8Array.from({ length: H * W * C }, () => constant ?? Math.floor(rng() * 256));
  return { id: 's', height: H, width: W, channels: C, image, mask: new Uint8Array(H * W) };
}

const spec: InferSpec = { channels: 3, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3], padding: 'same', encoderDepth: 3, mode: 'full', size: [16, 16] };

/** The normalised image as the model sees it. */
function normalised(s: RawSample): Float32Array {
  return Float32Array.from(s.image, (v, i) => (v / 255 - spec.mean[i % 3]) / spec.std[i % 3]);
}

describe('helpers', () => {
  test('flip, bilinear resize, softmax and argmax by hand', () => {
    assert.deepEqual([...flipHWC(new Uint8Array([1, 2, 3, 4, 5, 6]), 1, 3, 2, 'h')], [5, 6, 3, 4, 1, 2]);
    assert.deepEqual([...flipHWC(new Float32Array([1, 2, 3, 4]), 2, 2, 1, 'v')], [3, 4, 1, 2]);
    // 1x2 -> 1x4, half-pixel: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
    assert.deepEqual([...resizeFloat(new Float32Array([0, 4]), 1, 2, 1, 1, 4)], [0, 1, 3, 4]);
    const v = new Float32Array([0, Math.log(3), 5, 5]);
    softmaxInPlace(v, 2);
    [0.25, 0.75, 0.5, 0.5].forEach((e, i) => assert.ok(Math.abs(v[i] - e) < 1e-6));
    assert.deepEqual([...argmaxClasses(new Float32Array([0, 1, 2, 2, 0, 0]), 3)], [2, 0]);
  });
});

describe('tilings agree with the whole image (1x1 conv with known weights, odd 13x11 image)', () => {
  const conv = knownConv(1, 3, 4, 7);
  const s = rgbSample(13, 11, 3, 8);
  const expected = bruteForce(conv, normalised(s), 13, 11);

  test('whole and sliding window give the logits computed by hand', async () => {
    for (const o of [{ mode: 'whole' as const }, { mode: 'slide' as const, crop: [8, 8] as [number, number], stride: [5, 3] as [number, number] }]) {
      const p = await predictSample(conv.model, s, spec, o);
      assert.equal(p.kind, 'logits');
      assert.ok(maxDiff(p.data, expected) < 1e-4, o.mode);
    }
    assert.deepEqual(await segment(conv.model, s, spec, { mode: 'slide', crop: [8, 8] }), argmaxClasses(expected, 4));
  });

  test('flip TTA flips back: averaged probabilities equal the softmax of the plain logits', async () => {
    const probs = expected.slice();
    softmaxInPlace(probs, 4);
    const p = await predictSample(conv.model, s, spec, { mode: 'slide', crop: [8, 8], flips: ['h', 'v'] });
    assert.equal(p.kind, 'probabilities');
    assert.ok(maxDiff(p.data, probs) < 1e-5);
  });

  test('multi-scale TTA returns the original resolution; on a constant image every scale agrees', async () => {
    const flat = rgbSample(13, 11, 3, 0, 90);
    const one = bruteForce(conv, normalised(flat), 1, 1);
    softmaxInPlace(one, 4);
    const p = await predictSample(conv.model, flat, spec, { mode: 'whole', scales: [0.5, 1, 1.75], flips: ['h'] });
    assert.equal(p.data.length, 13 * 11 * 4);
    for (let i = 0; i < 13 * 11; i++) assert.ok(maxDiff(p.data.subarray(i * 4, i * 4 + 4), one) < 1e-5);
  });

  test("'resize' mode predicts at `size` and returns the original resolution", async () => {
    const p = await predictSample(conv.model, s, { ...spec, mode: 'resize', size: [8, 8] }, { mode: 'whole' });
    assert.equal(p.data.length, 13 * 11 * 4);
  });

  test('mode and padding mismatches are explained', async () => {
    await assert.rejects(predictSample(conv.model, s, { ...spec, padding: 'valid' }, { mode: 'slide' }), /'slide' needs a padded model.*use 'overlapTile'/);
    await assert.rejects(predictSample(conv.model, s, spec, { mode: 'overlapTile' }), /'overlapTile' is for valid-convolution U-Nets/);
    await assert.rejects(predictSample(conv.model, s, spec, { mode: 'whole', scales: [] }), /scales must be positive numbers/);
  });
});

describe('overlap-tile with a real valid-convolution U-Net (depth 2)', () => {
  const model = buildUnet({ ...UNET_DEFAULTS, inChannels: 1, classes: 3, encoderDepth: 2, baseFilters: 4, padding: 'valid', decoderUseBatchnorm: false }, [null, null]);
  const gray: InferSpec = { channels: 1, mean: [0.5], std: [0.25], padding: 'valid', encoderDepth: 2, mode: 'full', size: [52, 52] };

  test('aligned tiles reproduce the one-big-input prediction on an odd 45x37 image; no tensor leaks', async () => {
    const s = rgbSample(45, 37, 1, 9);
    const before = tf.memory().numTensors;
    const whole = await predictSample(model, s, gray, { mode: 'whole' });
    const tiled = await predictSample(model, s, gray, { mode: 'overlapTile', crop: [12, 12], batchSize: 3 });
    assert.equal(tf.memory().numTensors, before);
    const scale = Math.max(...Array.from(whole.data, Math.abs));
    assert.ok(maxDiff(whole.data, tiled.data) <= 1e-5 * Math.max(1, scale), `max diff ${maxDiff(whole.data, tiled.data)}`);
    // and whole-image inference agrees with the evaluation path (whole.ts)
    const [evalMap] = await predictClassMaps(model, [prepareInput(s, gray)], 1);
    assert.deepEqual(argmaxClasses(whole.data, 3), evalMap);
  });
});
