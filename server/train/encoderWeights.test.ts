import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TrainEvent } from '../protocol';
import { createModel } from '../models/registry';
import { createEncoder } from '../models/encoders';
import { loadEncoderWeights, saveEncoderWeights } from './encoderWeights';
import { withSeededRandom } from './seeded';
import { buildObjective } from './objective';
import { trainStep } from './step';
import { selectBackend } from '../backend/ladder';

// Each test file runs in its own process: the wasm backend with SegLab's training kernels, for speed.
before(async () => {
  tf.env().set('PROD', true);
  await selectBackend({ prefer: 'wasm' });
});

/** An encoder-only model (input -> every pyramid level), seeded. */
function encoderModel(seed: number, inChannels = 1, depth = 3): tf.LayersModel {
  return withSeededRandom(seed, () => {
    const enc = createEncoder('resnet18', { inChannels, depth, outputStride: 32, batchNormMomentum: 0.9 });
    const input = tf.input({ shape: [null, null, inChannels] });
    return tf.model({ inputs: input, outputs: enc.features(input) });
  });
}

const unet = (seed: number, depth = 3) =>
  withSeededRandom(seed, () => createModel({ arch: 'unet', encoderName: 'resnet18', encoderDepth: depth, inChannels: 1, classes: 2 }, [null, null]));

const valuesOf = (m: tf.LayersModel, prefix: string) =>
  m.weights.filter((w) => w.originalName.startsWith(prefix)).map((w) => Array.from(w.read().dataSync()));

describe('encoder weights from a TF.js Layers artefact', () => {
  let dir: string;
  let saved: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-encw-'));
    saved = path.join(dir, 'enc');
    const a = encoderModel(1);
    // Move the BatchNorm statistics off their initial values so they are checked too.
    tf.tidy(() => void a.apply(tf.randomNormal([2, 32, 32, 1], 0, 1, 'float32', 2), { training: true }));
    await saveEncoderWeights(a, saved);
    a.dispose();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('saved weights loaded into a fresh encoder give identical outputs at every level', () => {
    const a = encoderModel(1);
    tf.tidy(() => void a.apply(tf.randomNormal([2, 32, 32, 1], 0, 1, 'float32', 2), { training: true }));
    const b = encoderModel(99);
    const x = tf.randomNormal([1, 32, 32, 1], 0, 1, 'float32', 5);
    const outA = (a.predict(x) as tf.Tensor[]).map((t) => t.dataSync());
    assert.notDeepEqual((b.predict(x) as tf.Tensor[]).map((t) => t.dataSync())[3], outA[3]);
    const before = tf.memory().numTensors;
    const r = loadEncoderWeights(b, saved);
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual([r.missing, r.unexpected, r.ignored], [[], [], 0]);
    assert.equal(r.loaded.length, b.weights.length);
    (b.predict(x) as tf.Tensor[]).forEach((t, i) => assert.deepEqual(t.dataSync(), outA[i], `level ${i}`));
    a.dispose();
    b.dispose();
    x.dispose();
  });

  test('into a segmentation model: the encoder takes the weights, the decoder keeps its own', () => {
    const m = unet(7);
    const decoder = valuesOf(m, 'decoder_');
    const events: TrainEvent[] = [];
    loadEncoderWeights(m, path.join(saved, 'model.json'), (e) => events.push(e));
    const a = encoderModel(1);
    tf.tidy(() => void a.apply(tf.randomNormal([2, 32, 32, 1], 0, 1, 'float32', 2), { training: true }));
    assert.deepEqual(valuesOf(m, 'encoder_'), valuesOf(a, 'encoder_'));
    assert.deepEqual(valuesOf(m, 'decoder_'), decoder);
    assert.deepEqual(events.map((e) => e.type === 'log' && e.level), ['info']);
    a.dispose();
    m.dispose();
  });

  test('missing and unexpected weights are listed in one warning', async () => {
    const deeper = unet(3, 4);
    const events: TrainEvent[] = [];
    const r = loadEncoderWeights(deeper, saved, (e) => events.push(e));
    assert.ok(r.missing.length > 0 && r.missing.every((n) => n.startsWith('encoder_layer3')), r.missing.join(' '));
    const warn = events.find((e) => e.type === 'log' && e.level === 'warn');
    assert.ok(warn && warn.type === 'log');
    assert.match(warn.message, /\d+ missing from the file \(kept at their initial values\): encoder_layer3/);
    const deepDir = path.join(dir, 'deep');
    await saveEncoderWeights(deeper, deepDir);
    deeper.dispose();
    const shallow = unet(4, 3);
    const r2 = loadEncoderWeights(shallow, deepDir);
    assert.deepEqual([r2.missing.length, r2.unexpected.length > 0, r2.unexpected.every((n) => n.startsWith('encoder_layer3'))], [0, true, true]);
    shallow.dispose();
  });

  test('a shape mismatch is an error naming the layer and both shapes; nothing is written', async () => {
    const rgb = encoderModel(4, 3);
    const rgbDir = path.join(dir, 'rgb');
    await saveEncoderWeights(rgb, rgbDir);
    rgb.dispose();
    const m = unet(5);
    const before = valuesOf(m, 'encoder_');
    assert.throws(() => loadEncoderWeights(m, rgbDir), /layer encoder_conv1: kernel is \[7, 7, 3, 64\] in the file but \[7, 7, 1, 64\] in the model/);
    assert.deepEqual(valuesOf(m, 'encoder_'), before);
    assert.throws(() => loadEncoderWeights(m, path.join(dir, 'nope')), /`model.encoderWeights` ".*nope": no such file; give a TF.js Layers model folder/);
    m.dispose();
  });
});

describe('freezing the encoder', () => {
  test('a frozen step leaves every encoder weight (BatchNorm statistics too) as it was; an unfrozen one moves it', async () => {
    const m = unet(11);
    const ctx = {
      model: m,
      objective: buildObjective({ terms: [{ type: 'ce', weight: 1 }], outputs: [{ layer: 'segmentation_head', kind: 'mask', main: true, channels: 2 }], maskWeights: [1] }),
      weightDecay: 1e-3,
      padStride: null,
    };
    const x = tf.randomNormal([2, 32, 32, 1], 0, 1, 'float32', 8) as tf.Tensor4D;
    const y = tf.tidy(() => tf.cast(tf.greater(x.squeeze([3]), 0), 'int32')) as tf.Tensor3D;
    const opt = tf.train.adam(0.01);
    const encoder0 = valuesOf(m, 'encoder_');
    const decoder0 = valuesOf(m, 'decoder_');
    await trainStep(ctx, opt, { x, y }, true);
    await trainStep(ctx, opt, { x, y }, true);
    assert.deepEqual(valuesOf(m, 'encoder_'), encoder0);
    assert.notDeepEqual(valuesOf(m, 'decoder_'), decoder0);
    const count = tf.memory().numTensors;
    await trainStep(ctx, opt, { x, y }, false);
    assert.equal(tf.memory().numTensors, count);
    const encoder1 = valuesOf(m, 'encoder_');
    const changed = encoder1.filter((w, i) => w.some((v, j) => v !== encoder0[i][j])).length;
    assert.equal(changed, encoder0.length, 'every encoder weight moves once unfrozen');
    tf.dispose([x, y]);
    opt.dispose();
    m.dispose();
  });
});
