// The band thread on the wasm backend: it predicts what the model predicts here, reports a start failure or a
// crash once, and ends with dispose() (every test disposes its thread, so the test process exits).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/ladder';
import { mulberry32 } from '../data/rng';
import { BandExecutor } from '../infer/cropped';
import { InferenceModel } from '../infer/fused';
import { createModel, ModelConfig } from '../models/registry';
import { UNET_DEFAULTS } from '../models/unet/model';
import { BandRequest, BandWorker, Shape4 } from './bandWorker';

/** A band request of a 2x2 image (for the failure tests: never predicted). */
const tinyBand = (): BandRequest => ({ input: new Float32Array(4), shape: [1, 2, 2, 1], axis: 1, start: 0, length: 2, outStart: 0, outEnd: 2 });

function seededInput(shape: Shape4, seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * rng() - 1);
}

describe('BandWorker', () => {
  let model: tf.LayersModel;
  let tmp: string;
  before(async () => {
    await selectBackend({ prefer: 'wasm' });
    model = createModel({ ...UNET_DEFAULTS, inChannels: 1, classes: 3, baseFilters: 4, encoderDepth: 2 } as ModelConfig);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-band-'));
  });
  after(() => {
    model.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the thread predicts a band as the whole image predicts its rows; the input buffer is handed over', async () => {
    const before = tf.memory().numTensors;
    const worker = await BandWorker.start(model, 'wasm');
    try {
      await worker.ready;
      assert.equal(worker.isReady, true);
      assert.match(worker.backendDetail, /^wasm \(.*, 1 thread,/, 'the band thread is the second core: wasm on one thread there');
      // The lower half (rows 16..32) of a 32x24 image, from the rows the executor asks for.
      const shape: Shape4 = [1, 32, 24, 1];
      const input = seededInput(shape, 5);
      const fused = new InferenceModel(model);
      const whole = tf.tidy(() => (fused.predict(tf.tensor4d(input, shape)) as tf.Tensor).dataSync() as Float32Array);
      const [start] = BandExecutor.create(model, fused.plan, 1)!.inputRange(32, 16, 32);
      fused.dispose();
      const sent = input.slice(start * 24);
      const got = await worker.predict({ input: sent, shape: [1, 32 - start, 24, 1], axis: 1, start, length: 32, outStart: 16, outEnd: 32 });
      assert.equal(sent.byteLength, 0, 'transferred');
      assert.deepEqual(got.shape, [1, 16, 24, 3]);
      const expected = whole.subarray(16 * 24 * 3);
      assert.equal(got.data.length, expected.length);
      let d = 0;
      for (let i = 0; i < expected.length; i++) d = Math.max(d, Math.abs(got.data[i] - expected[i]));
      assert.ok(d <= 1e-5, `thread and parent differ by ${d}`);
      assert.equal(tf.memory().numTensors, before, 'no tensors left here');
    } finally {
      worker.dispose();
    }
  });

  test('a backend the thread cannot select: ready rejects with the reason, reported once', async () => {
    const failures: string[] = [];
    const worker = await BandWorker.start(model, 'nope', { onFailure: (m) => failures.push(m) });
    try {
      await assert.rejects(worker.ready, /could not start: unknown backend "nope"/);
      await assert.rejects(worker.predict(tinyBand()), /could not start/);
      assert.equal(failures.length, 1);
    } finally {
      worker.dispose();
    }
  });

  test('a thread that dies mid-request fails the request and is reported once', async () => {
    const script = path.join(tmp, 'dies.js');
    fs.writeFileSync(script, "const { parentPort } = require('node:worker_threads');\nparentPort.postMessage({ type: 'ready', backend: 'fake' });\nparentPort.on('message', () => process.exit(3));\n");
    const failures: string[] = [];
    const worker = await BandWorker.start(model, 'wasm', { threadPath: script, onFailure: (m) => failures.push(m) });
    try {
      await worker.ready;
      await assert.rejects(worker.predict(tinyBand()), /band thread exited \(code 3\)/);
      assert.equal(worker.isReady, false);
      assert.deepEqual(failures, ['the band thread exited (code 3)']);
    } finally {
      worker.dispose();
    }
  });

  test('dispose ends the thread: a pending prediction fails, and it is not reported as a failure', async () => {
    const failures: string[] = [];
    const worker = await BandWorker.start(model, 'wasm', { onFailure: (m) => failures.push(m) });
    await worker.ready;
    const shape: Shape4 = [1, 256, 256, 1];
    const pending = worker.predict({ input: seededInput(shape, 1), shape, axis: 1, start: 0, length: 256, outStart: 0, outEnd: 256 });
    worker.dispose();
    await assert.rejects(pending, /band thread was stopped/);
    assert.deepEqual(failures, []);
  });
});
