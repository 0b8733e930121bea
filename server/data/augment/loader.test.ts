import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../types';
import { batchBuilder, BatchRecipe, BatchRequest } from './batch';
import { BatchLoader } from './loader';
import { FixtureOptions, fixtureSample } from './loaderFixtures';
import { packSamples, SampleSource } from './source';

const FIXTURES = require.resolve('./loaderFixtures');

const recipe: BatchRecipe = {
  steps: [{ type: 'hflip' }, { type: 'rot90' }, { type: 'elastic', p: 1, sigma: 3 }, { type: 'photometric' }],
  inputSize: [12, 12],
  outputSize: [8, 8],
  resize: 'crop',
  inChannels: 3,
  normalize: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
  ignoreIndex: 255,
};

const base: FixtureOptions = { count: 10, height: 16, width: 14, withWeights: true };
const moduleSource = (o: Partial<FixtureOptions> = {}): SampleSource => ({ kind: 'module', module: FIXTURES, options: { ...base, ...o } });
const requests: BatchRequest[] = [
  { indices: [0, 1, 2], seed: 1 },
  { indices: [3, 4, 5], seed: 2 },
  { indices: [6, 7], seed: 3 },
  { indices: [8, 9, 0], seed: 4 },
];

async function collect(loader: BatchLoader, reqs: BatchRequest[]) {
  const out = [];
  for await (const b of loader.batches(reqs)) out.push(b);
  return out;
}

describe('batch builder', () => {
  test('shapes, the centred label crop and normalisation, by hand for an identity pipeline', () => {
    const o = { ...base, count: 1, channels: 1 as const };
    const build = batchBuilder({ ...recipe, steps: [], resize: 'resize', inputSize: [16, 14], outputSize: [10, 8], inChannels: 1, normalize: { mean: [0.5], std: [0.5] } });
    const s = fixtureSample(o, 0);
    const b = build([s], { indices: [0], seed: 0 });
    assert.deepEqual([b.size, b.height, b.width, b.channels, b.outHeight, b.outWidth], [1, 16, 14, 1, 10, 8]);
    // x = (v / 255 - 0.5) / 0.5; pixel (2, 3) of sample 0 is 2*5 + 3*3 = 19
    assert.ok(Math.abs(b.x[2 * 14 + 3] - (19 / 255 - 0.5) / 0.5) < 1e-6);
    // label (0, 0) is source (3, 3): mask (3 + 3 + 0) % 3 = 0; label (0, 1) is source (3, 4): 1
    assert.deepEqual([b.y[0], b.y[1]], [0, 1]);
    assert.equal(b.weight?.[1], 2);
  });

  test('a bad normalisation is reported when the builder is made', () => {
    assert.throws(() => batchBuilder({ ...recipe, normalize: { mean: [0.5], std: [1] } }), /normalisation has 1 channels but the model takes 3/);
  });
});

describe('worker loader', () => {
  test('same bytes with 2 workers, in-process and from a shared buffer, in request order', async () => {
    const local = await BatchLoader.open({ source: moduleSource(), recipe, workers: 0 });
    const expected = await collect(local, requests);
    await local.dispose();
    // later requests finish first: sample delays decrease with the index
    const delays = Array.from({ length: 10 }, (_, i) => (10 - i) * 15);
    const threaded = await BatchLoader.open({ source: moduleSource({ delays }), recipe, workers: 2, prefetch: 4 });
    const shared = await BatchLoader.open({ source: packSamples(Array.from({ length: 10 }, (_, i) => fixtureSample(base, i))), recipe, workers: 1 });
    try {
      for (const got of [await collect(threaded, requests), await collect(shared, requests)]) {
        assert.deepEqual(got.map((b) => b.indices), requests.map((r) => r.indices));
        got.forEach((b, k) => {
          assert.deepEqual(b.x, expected[k].x);
          assert.deepEqual(b.y, expected[k].y);
          assert.deepEqual(b.weight, expected[k].weight);
        });
      }
      assert.notDeepEqual(expected[0].x, expected[3].x.subarray(0, expected[0].x.length));
    } finally {
      await threaded.dispose();
      await shared.dispose();
    }
  });

  test('a corrupt file rejects its batch with a DataError naming the file; other batches still load', async () => {
    const loader = await BatchLoader.open({ source: moduleSource({ failAt: 4 }), recipe, workers: 1 });
    try {
      await assert.rejects(loader.load({ indices: [3, 4], seed: 0 }), (err: Error) => {
        assert.ok(err instanceof DataError);
        assert.match(err.message, /\/data\/bad-4\.png/);
        assert.equal(err.file, '/data/bad-4.png');
        return true;
      });
      const ok = await loader.load({ indices: [5], seed: 0 });
      assert.equal(ok.size, 1);
      const it = loader.batches([{ indices: [1], seed: 0 }, { indices: [4], seed: 0 }]);
      assert.equal((await it.next()).value?.size, 1);
      await assert.rejects(it.next(), /bad-4\.png/);
    } finally {
      await loader.dispose();
    }
  });

  test('a worker that crashes rejects its batches; a source that cannot open fails open()', async () => {
    const loader = await BatchLoader.open({ source: moduleSource({ crashAt: 2 }), recipe, workers: 1 });
    try {
      await assert.rejects(loader.load({ indices: [2], seed: 0 }), /loader worker 0 crashed: boom while loading sample 2/);
      await assert.rejects(loader.load({ indices: [1], seed: 0 }), /every worker has stopped/);
    } finally {
      await loader.dispose();
    }
    await assert.rejects(BatchLoader.open({ source: { kind: 'module', module: FIXTURES, export: 'nope' }, recipe, workers: 1 }), /does not export a function "nope"/);
    await assert.rejects(BatchLoader.open({ source: moduleSource(), recipe: { ...recipe, steps: [{ type: 'twirl' } as never] }, workers: 1 }), /valid types/);
  });

  test('dispose stops every worker and rejects pending and later requests', async () => {
    const loader = await BatchLoader.open({ source: moduleSource({ delays: [500] }), recipe, workers: 2 });
    assert.equal(loader.liveWorkers, 2);
    const pending = assert.rejects(loader.load({ indices: [0], seed: 0 }), /disposed/);
    await loader.dispose();
    await pending;
    await assert.rejects(loader.load({ indices: [1], seed: 0 }), /disposed/);
    assert.equal(loader.liveWorkers, 0);
    await loader.dispose();
  });

  test('an index out of range names the dataset size', async () => {
    const loader = await BatchLoader.open({ source: moduleSource(), recipe, workers: 0 });
    await assert.rejects(loader.load({ indices: [10], seed: 0 }), /index 10 is out of range \(the dataset has 10 samples\)/);
    await loader.dispose();
  });
});
