/** `input.padToStride`: crops off the model's stride are mirror-padded and the prediction cropped back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TrainEvent } from '../protocol';
import { validateConfig } from '../config/load';
import { createModel } from '../models/registry';
import { trainGeometry } from './batches';
import { forwardOutputs } from './step';
import { runJob } from './jobs';

const cfgWith = (over: object) => ({ ...validateConfig(over, 'seglab.json', '/tmp'), source: null });
const resnet = { arch: 'unet', encoderName: 'resnet18', encoderDepth: 3 };

test('without padToStride a crop off the stride is an error naming the size, the stride, the nearest sizes and the flag', () => {
  assert.throws(
    () => trainGeometry(cfgWith({ input: { size: [32, 36] }, model: resnet }), 8),
    /`input.size` \[32,36\]: input width 36 is not divisible by the output stride 8 of unet-resnet18 \(encoderDepth 3\): use 32 or 40, or set `input.padToStride: true`/,
  );
  assert.throws(() => trainGeometry(cfgWith({ input: { size: 30 }, model: { encoderDepth: 2 } })), /30 .*not divisible.*padToStride/);
});

test('with padToStride the crop is kept and the stride to pad to is returned (encoder and classic U-Net)', () => {
  assert.deepEqual(trainGeometry(cfgWith({ input: { size: 36, padToStride: true }, model: resnet }), 8), { inputSize: [36, 36], outputSize: [36, 36], padStride: 8 });
  assert.deepEqual(trainGeometry(cfgWith({ input: { size: 30, padToStride: true }, model: { encoderDepth: 2 } })).padStride, 4);
  assert.equal(trainGeometry(cfgWith({ input: { size: 32, padToStride: true }, model: resnet }), 8).padStride, null);
});

test('forwardOutputs pads a 20x36 batch to 24x40 and crops every output back; plain apply cannot take it', () => {
  const model = createModel({ arch: 'unet', encoderName: 'resnet18', encoderDepth: 3, inChannels: 1, classes: 2 }, [null, null]);
  const x = tf.randomNormal([2, 20, 36, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const out = forwardOutputs(model, x, false, 8);
  assert.deepEqual(out[0].shape, [2, 20, 36, 2]);
  // The kept region is the prediction of the mirror-padded input (pad 2 top/bottom, 2 left/right).
  const ref = tf.tidy(() => {
    const padded = tf.mirrorPad(x, [[0, 0], [2, 2], [2, 2], [0, 0]], 'reflect');
    return tf.slice(model.predict(padded) as tf.Tensor4D, [0, 2, 2, 0], [2, 20, 36, 2]);
  });
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(out[0], ref))).dataSync()[0]);
  assert.ok(diff < 1e-5, `max difference ${diff}`);
  tf.dispose([...out, ref]);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => tf.tidy(() => model.predict(x)));
  x.dispose();
  model.dispose();
});

test('a run with 36x36 crops on a stride-8 encoder trains with padToStride', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-pad-'));
  const configPath = path.join(dir, 'c.json');
  fs.writeFileSync(
    configPath,
    JSON.stringify({
      data: { type: 'synthetic', trainCount: 4, valCount: 2, size: 44, seed: 2 },
      input: { size: 36, padToStride: true },
      model: resnet,
      train: { epochs: 1, batchSize: 2, stepsPerEpoch: 2, samples: 0 },
      output: { runsDir: 'runs', name: 'pad' },
    }),
  );
  const events: TrainEvent[] = [];
  await runJob({ kind: 'train', configPath, cwd: dir, backend: 'wasm' }, (e) => events.push(e), () => false);
  const steps = events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
  assert.ok(steps.length === 2 && steps.every(Number.isFinite), steps.join(' '));
  const end = events.find((e): e is Extract<TrainEvent, { type: 'epochEnd' }> => e.type === 'epochEnd');
  assert.equal(end?.val.confusion.flat().reduce((a, b) => a + b, 0), 2 * 44 * 44);
  fs.rmSync(dir, { recursive: true, force: true });
});
