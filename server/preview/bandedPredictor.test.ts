// BandedPredictor on the wasm backend: the split it chooses (by hand), logits equal to one pass here with an
// in-process stand-in for the thread and with a real band thread, and the fall-backs (no thread yet, a failing
// thread, a backend that is not single-threaded).
import * as assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/ladder';
import { mulberry32 } from '../data/rng';
import type { BandGeometry } from '../infer/bands';
import { BandExecutor } from '../infer/cropped';
import { InferenceModel } from '../infer/fused';
import { predictTiled } from '../infer/tiled';
import { createModel, ModelConfig } from '../models/registry';
import { UNET_DEFAULTS } from '../models/unet/model';
import { BandedPredictor, BandRunner, BAND_THREADS_ENV, chooseSplit, defaultBandThreads } from './bandedPredictor';
import type { BandRequest, Logits, Shape4 } from './bandWorker';

function seededInput(shape: Shape4, seed: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * rng() - 1);
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let scale = 1;
  let d = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    d = Math.max(d, Math.abs(a[i] - b[i]));
  }
  return d / scale;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('chooseSplit', () => {
  const unet: BandGeometry = { radius: 107, stride: 16 };
  test('512x512 with radius 107: rows, halo 112, bands reading 368 of 512 rows', () => {
    assert.deepEqual(chooseSplit([1, 512, 512, 1], () => unet, 256 * 256, 0.85), {
      axis: 1,
      bands: [
        { inStart: 0, inEnd: 368, outStart: 0, outEnd: 256 },
        { inStart: 144, inEnd: 512, outStart: 256, outEnd: 512 },
      ],
    });
  });

  test('a wide image is split by columns; rows are the fall-back when columns cannot be', () => {
    assert.equal(chooseSplit([1, 256, 1024, 3], () => unet, 0, 0.85)?.axis, 2);
    assert.equal(chooseSplit([1, 512, 1024, 3], (a) => (a === 2 ? null : unet), 0, 0.85)?.axis, 1);
  });

  test('no split for small images, halos that eat the gain, or unbounded models', () => {
    assert.equal(chooseSplit([1, 240, 256, 1], () => unet, 256 * 256, 0.85), null);
    // radius 200 → halo 208: each band reads 464 of 512 rows (0.906 > 0.85).
    assert.equal(chooseSplit([1, 512, 512, 1], () => ({ radius: 200, stride: 16 }), 0, 0.85), null);
    assert.equal(chooseSplit([1, 512, 512, 1], () => null, 0, 0.85), null);
  });
});

test('defaultBandThreads: one with a second core the backend leaves idle, the environment overrides', () => {
  assert.equal(defaultBandThreads({}, 2, 1), 1);
  assert.equal(defaultBandThreads({}, 1, 1), 0);
  assert.equal(defaultBandThreads({}, 2, 2), 0, 'a threaded wasm backend already uses the second core');
  assert.equal(defaultBandThreads({}, 2, 1, true), 0, 'our inference kernels on one thread beat two tfjs bands');
  assert.equal(defaultBandThreads({ [BAND_THREADS_ENV]: '1' }, 2, 1, true), 1);
  assert.equal(defaultBandThreads({ [BAND_THREADS_ENV]: '0' }, 8, 1), 0);
  assert.equal(defaultBandThreads({ [BAND_THREADS_ENV]: '2' }, 1, 1), 2);
  assert.equal(defaultBandThreads({ [BAND_THREADS_ENV]: '1' }, 2, 2), 1);
  assert.equal(defaultBandThreads({ [BAND_THREADS_ENV]: 'lots' }, 2, 1), 1);
});

/** Stands in for the band thread: predicts the band with the same model in this thread, or fails. */
class InlineRunner implements BandRunner {
  isReady = true;
  readonly calls: Omit<BandRequest, 'input'>[] = [];
  constructor(
    private readonly model: tf.LayersModel,
    private readonly fused: InferenceModel,
    private readonly fail = false,
  ) {}
  async predict(b: BandRequest): Promise<Logits> {
    const { input, ...rest } = b;
    this.calls.push(rest);
    if (this.fail) throw new Error('the band thread exited (code 1)');
    const exec = BandExecutor.create(this.model, this.fused.plan, b.axis)!;
    const y = tf.tidy(() => exec.predict(tf.tensor4d(input, b.shape), b.start, b.length, b.outStart, b.outEnd));
    const data = y.dataSync() as Float32Array;
    const out = { data, shape: y.shape.slice() };
    y.dispose();
    return out;
  }
  dispose(): void {
    this.isReady = false;
  }
}

describe('BandedPredictor', () => {
  let model: tf.LayersModel;
  let fused: InferenceModel;
  const shape: Shape4 = [1, 96, 40, 1]; // depth 2: radius 23, stride 4 → halo 24, bands of 72 rows
  const opts = { backend: 'wasm', threads: 1, minPixels: 0, maxShare: 0.8 };
  let input: Float32Array;
  let whole: Float32Array;
  before(async () => {
    await selectBackend({ prefer: 'wasm' });
    model = createModel({ ...UNET_DEFAULTS, inChannels: 1, classes: 2, baseFilters: 4, encoderDepth: 2 } as ModelConfig);
    fused = new InferenceModel(model);
    input = seededInput(shape, 9);
    whole = tf.tidy(() => (fused.predict(tf.tensor4d(input, shape)) as tf.Tensor).dataSync() as Float32Array);
  });
  after(() => {
    fused.dispose();
    model.dispose();
  });

  test('the thread starts with the first large input; from then on one band goes to it, and the logits equal one pass', async () => {
    const runner = new InlineRunner(model, fused);
    let starts = 0;
    const banded = new BandedPredictor(fused, model, { ...opts, startRunner: async () => (starts++, runner) });
    try {
      const before = tf.memory().numTensors;
      const first = await banded.predictLogits(input, shape);
      assert.equal(runner.calls.length, 0, 'no thread yet: one pass here');
      assert.ok(maxRelDiff(first.data, whole) <= 1e-5);
      await tick();
      const second = await banded.predictLogits(input, shape);
      // 96 rows = 24 stride blocks: output rows 48..96 go to the thread, with the rows above them it asks for.
      assert.equal(runner.calls.length, 1);
      const call = runner.calls[0];
      assert.deepEqual([call.axis, call.length, call.outStart, call.outEnd], [1, 96, 48, 96]);
      assert.ok(call.start >= 48 - 24 && call.start < 48, `input from row ${call.start}: within the halo (radius 23 → 24) above row 48`);
      assert.deepEqual(call.shape, [1, 96 - call.start, 40, 1]);
      assert.deepEqual(second.shape, [1, 96, 40, 2]);
      assert.ok(maxRelDiff(second.data, whole) <= 1e-4, 'banded = whole');
      assert.equal(starts, 1);
      assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
    } finally {
      banded.dispose();
    }
    assert.equal(runner.isReady, false, 'disposed with the predictor');
  });

  test('tiled inference goes through it (whole-image window)', async () => {
    const runner = new InlineRunner(model, fused);
    const banded = new BandedPredictor(fused, model, { ...opts, startRunner: async () => runner });
    try {
      const img = { data: input, height: 96, width: 40, channels: 1 };
      const spec = { inTile: [96, 40], outTile: [96, 40], stride: [96, 40] } as const;
      await banded.predictLogits(input, shape);
      await tick();
      const r = await predictTiled(banded, img, spec, 1);
      const plain = await predictTiled(fused, img, spec, 1);
      assert.equal(runner.calls.length, 1);
      assert.ok(maxRelDiff(r.logits, plain.logits) <= 1e-4);
    } finally {
      banded.dispose();
    }
  });

  test('a failing thread: the band is predicted here, one log line, and the thread is not used again', async () => {
    const runner = new InlineRunner(model, fused, true);
    const log: string[] = [];
    const banded = new BandedPredictor(fused, model, { ...opts, log: (m) => log.push(m), startRunner: async () => runner });
    try {
      await banded.predictLogits(input, shape);
      await tick();
      const r = await banded.predictLogits(input, shape);
      assert.ok(maxRelDiff(r.data, whole) <= 1e-4);
      assert.deepEqual(log, ['preview: the band thread exited (code 1); predicting on one thread from now on']);
      await banded.predictLogits(input, shape);
      assert.equal(runner.calls.length, 1);
      assert.equal(banded.threaded, false);
    } finally {
      banded.dispose();
    }
  });

  test('no thread for small inputs, zero threads, or a backend that is not single-threaded; a failed start is logged', async () => {
    const started: string[] = [];
    const startRunner = async (_m: tf.LayersModel, backend: string): Promise<BandRunner> => {
      started.push(backend);
      throw new Error('no wasm here');
    };
    const log: string[] = [];
    for (const o of [{ minPixels: 96 * 40 + 1 }, { threads: 0 }, { backend: 'webgpu' }, {}]) {
      const banded = new BandedPredictor(fused, model, { ...opts, ...o, log: (m) => log.push(m), startRunner });
      const r = await banded.predictLogits(input, shape);
      await tick();
      assert.ok(maxRelDiff(r.data, whole) <= 1e-5);
      banded.dispose();
    }
    assert.deepEqual(started, ['wasm'], 'only the last one tried');
    assert.deepEqual(log, ['preview: no band thread (no wasm here); predicting on one thread']);
  });

  test('with a real band thread', async () => {
    const banded = new BandedPredictor(fused, model, opts);
    try {
      await banded.predictLogits(input, shape);
      for (let i = 0; i < 500 && !banded.threaded; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(banded.threaded, true, 'the thread came up within 10 s');
      const r = await banded.predictLogits(input, shape);
      assert.ok(maxRelDiff(r.data, whole) <= 1e-4);
    } finally {
      banded.dispose();
    }
  });
});
