/** The trainer's batch stream: worker threads or not, the same bytes; a resumed run with workers is bit-exact. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TrainEvent } from '../protocol';
import { validateConfig } from '../config/load';
import type { RawSample } from '../data/types';
import { disposeBatch, TensorBatch, trainGeometry } from './batches';
import { TrainBatches } from './trainBatches';
import { attachWeightMaps } from './weightMaps';
import { runJob } from './jobs';
import { loadModel } from './checkpoint';

function samples(n: number, size: number): RawSample[] {
  return Array.from({ length: n }, (_, k) => {
    const image = new Uint8Array(size * size);
    const mask = new Uint8Array(size * size);
    for (let i = 0; i < image.length; i++) {
      image[i] = (i * 7 + k * 31) % 256;
      const [y, x] = [Math.floor(i / size), i % size];
      mask[i] = (x - 5 - k) ** 2 + (y - 6) ** 2 < 12 || (x - 14) ** 2 + (y - 13 - (k % 3)) ** 2 < 10 ? 1 : 0;
    }
    return { id: `s${k}`, height: size, width: size, channels: 1, image, mask };
  });
}

function ctxOf(augment: unknown) {
  const cfg = { ...validateConfig({ input: { size: 16 }, train: { augment, batchSize: 3, seed: 4 } }, 'seglab.json', '/tmp'), source: null };
  const g = trainGeometry(cfg);
  const train = attachWeightMaps(samples(7, 20), { classes: 2, ignoreIndex: 255 });
  return { cfg, inChannels: 1, ignoreIndex: 255, inputSize: g.inputSize, outputSize: g.outputSize, normalize: { mean: [0.5], std: [0.25] }, train };
}

async function collect(stream: AsyncGenerator<TensorBatch>): Promise<Float32Array[][]> {
  const out: Float32Array[][] = [];
  for await (const b of stream) {
    out.push([b.x, b.y, b.w!].map((t) => Float32Array.from(t.dataSync())));
    disposeBatch(b);
  }
  return out;
}

describe('batch stream', () => {
  test("2 worker threads and the training thread give the same bytes (the U-Net paper's augmentation, weight maps)", async () => {
    const ctx = ctxOf('unetPaper');
    const local = new TrainBatches(ctx, 4, 0);
    const threaded = new TrainBatches(ctx, 4, 2);
    try {
      const a = await collect(local.epoch(2, 0, 4));
      const b = await collect(threaded.epoch(2, 0, 4));
      assert.equal(a.length, 4);
      assert.deepEqual(b, a);
      // the weight plane is the cached map, moved and cropped with the mask: zero only where the crop left the image
      assert.ok(a[0][2].some((v) => v > 1));
      // resuming at step 2 yields the tail of the epoch
      assert.deepEqual(await collect(threaded.epoch(2, 2, 4)), a.slice(2));
      assert.notDeepEqual(await collect(local.epoch(3, 0, 1)), a.slice(0, 1));
    } finally {
      await threaded.dispose();
      await local.dispose();
    }
  });

  test('leaving an epoch early and disposing stops the workers cleanly', async () => {
    const stream = new TrainBatches(ctxOf('flips'), 6, 1);
    for await (const b of stream.epoch(1, 0, 6)) {
      disposeBatch(b);
      break;
    }
    await stream.dispose();
    await stream.dispose();
  });
});

test('a run stopped mid-epoch and resumed with 2 loader workers ends with the weights of an uninterrupted in-thread run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-loader-'));
  const run = async (name: string, workers: number, stopAfter?: number, resume?: string) => {
    const configPath = path.join(dir, `${name}.json`);
    fs.writeFileSync(
      configPath,
      JSON.stringify({
        data: { type: 'synthetic', trainCount: 6, valCount: 2, size: 32, seed: 3 },
        input: { size: 22, padToStride: true },
        model: { encoderDepth: 2, baseFilters: 4 },
        train: { epochs: 2, batchSize: 2, stepsPerEpoch: 3, samples: 0, augment: 'unetPaper', loader: { workers }, loss: [{ type: 'weightedCe', sigma: 3 }, { type: 'dice' }] },
        output: { runsDir: 'runs', name },
      }),
    );
    let steps = 0;
    const events: TrainEvent[] = [];
    await runJob({ kind: 'train', configPath, cwd: dir, backend: 'wasm', resumeRunDir: resume }, (e) => {
      events.push(e);
      if (e.type === 'step') steps++;
    }, () => stopAfter !== undefined && steps >= stopAfter);
    return events;
  };
  const weights = async (name: string) => {
    const m = await loadModel(path.join(dir, 'runs', name, 'last'));
    const w = m.getWeights().map((t) => Array.from(t.dataSync()));
    m.dispose();
    return w;
  };
  try {
    const full = await run('full', 0);
    assert.ok(full.some((e) => e.type === 'log' && /weight maps: computed once for 6 training images/.test(e.message)));
    assert.ok(full.flatMap((e) => (e.type === 'step' ? [e.loss] : [])).every(Number.isFinite));
    await run('resumed', 2, 4);
    const cont = await run('resumed', 2, undefined, path.join(dir, 'runs', 'resumed'));
    assert.ok(cont.some((e) => e.type === 'log' && /loader: 2 worker threads/.test(e.message)));
    assert.deepEqual(await weights('resumed'), await weights('full'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
