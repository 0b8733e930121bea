/** The client against a real server process (out/server/rpc/main.js) and real trainer children. */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import { ServerClient, ServerRequestError } from './serverClient';
import { RestartPolicy } from './restartPolicy';
import type { JobExitParams, TrainEvent } from '../server/protocol';
import { readImage } from '../server/data/image';
import { copyFixture } from '../server/preview/testing';

const SMALL = {
  data: { type: 'synthetic', kind: 'cells', trainCount: 4, valCount: 2, size: 32, seed: 5 },
  input: { size: 32 },
  model: { encoderDepth: 2, baseFilters: 4 },
  train: { epochs: 50, batchSize: 2, stepsPerEpoch: 2, optimizer: { lr: 0.01 }, samples: 1 },
  output: { name: 'rpc' },
  backend: 'cpu',
};

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-client-'));
}

function waitFor<T>(client: ServerClient, pick: (e: { jobId: string; event: TrainEvent }) => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const on = (p: { jobId: string; event: TrainEvent }) => {
      const v = pick(p);
      if (v !== undefined) {
        client.off('jobEvent', on);
        resolve(v);
      }
    };
    client.on('jobEvent', on);
  });
}

describe('ServerClient with a real server', () => {
  const clients: ServerClient[] = [];
  after(() => clients.forEach((c) => c.dispose()));
  const make = (opts: ConstructorParameters<typeof ServerClient>[0] = {}) => {
    const c = new ServerClient(opts);
    clients.push(c);
    return c;
  };

  test('listRuns summarises run folders; a missing folder gives none', async () => {
    const client = make();
    const runs = tmpDir();
    fs.mkdirSync(path.join(runs, 'a'));
    fs.writeFileSync(path.join(runs, 'a', 'run.json'), JSON.stringify({ arch: 'unet', backend: 'cpu', params: { trainable: 5 } }));
    fs.writeFileSync(path.join(runs, 'a', 'metrics.jsonl'), JSON.stringify({ epoch: 1, trainLoss: 1, mIoU: 0.25, seconds: 2 }) + '\n');
    const list = await client.listRuns(runs);
    assert.equal(list.length, 1);
    assert.equal(list[0].bestMIoU, 0.25);
    assert.deepEqual(await client.listRuns(path.join(runs, 'none')), []);
    await client.stop();
  });

  test('a train job streams events; a second one is refused with a message; stop saves and exits', async () => {
    const client = make();
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'seglab.json'), JSON.stringify(SMALL));
    const jobId = await client.startJob({ kind: 'train', configPath: path.join(dir, 'seglab.json'), cwd: dir });
    const runDir = await waitFor(client, (p) => (p.jobId === jobId && p.event.type === 'runStart' ? p.event.runDir : undefined));
    await assert.rejects(
      client.startJob({ kind: 'train', configPath: null, cwd: dir }),
      (e: unknown) => e instanceof ServerRequestError && e.user && /a train job is already running; stop it first/.test(e.message),
    );
    await waitFor(client, (p) => (p.jobId === jobId && p.event.type === 'epochEnd' ? true : undefined));
    const exited = once(client, 'jobExit') as Promise<[JobExitParams]>;
    assert.equal(await client.stopJob(jobId), true);
    const [exit] = await exited;
    assert.equal(exit.jobId, jobId);
    assert.equal(exit.ok, true);
    assert.ok(fs.existsSync(path.join(runDir, 'last')), 'stop saved the last checkpoint');
    assert.equal(await client.stopJob(jobId), false, 'the job is gone');
    await client.stop();
  });

  test('preview predicts an image with a run checkpoint; a missing image is a user error', async () => {
    const client = make();
    const fx = copyFixture();
    try {
      const img = await readImage(fx.image);
      const r = await client.preview({ imagePath: fx.image, runDir: fx.runDir, checkpoint: 'best', backend: 'cpu', cache: false });
      assert.deepEqual([r.imagePath, r.runDir, r.checkpoint, r.cached], [fx.image, fx.runDir, 'best', false]);
      assert.deepEqual([r.sourceWidth, r.sourceHeight], [img.width, img.height]);
      assert.equal(Buffer.from(r.pred, 'base64').length, r.width * r.height);
      const missing = path.join(fx.root, 'missing.png');
      await assert.rejects(
        client.preview({ imagePath: missing, runDir: fx.runDir, checkpoint: 'best', backend: 'cpu' }),
        (e: unknown) => e instanceof ServerRequestError && e.user && e.message.includes(`image file ${missing} does not exist`),
      );
      await client.stop();
    } finally {
      fx.cleanup();
    }
  });

  test('a bad config is a user error from the job, the server lives on', async () => {
    const client = make();
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'seglab.json'), '{"train": {"epochs": -1}}');
    const jobId = await client.startJob({ kind: 'train', configPath: path.join(dir, 'seglab.json'), cwd: dir });
    const err = await waitFor(client, (p) => (p.jobId === jobId && p.event.type === 'error' ? p.event : undefined));
    assert.equal(err.kind, 'user');
    assert.match(err.message, /train\.epochs/);
    const check = await client.checkDataset(null, tmpDir());
    assert.match(check.report, /== train: synthetic/);
    await client.stop();
  });

  test('an unexpected death is restarted up to the cap, then the client gives up', async () => {
    const client = make({ env: { SEGLAB_SERVER_CRASH_AFTER_MS: '200' }, policy: new RestartPolicy(2, 60_000), restartDelayMs: 10 });
    const died: { reason: string; restarting: boolean }[] = [];
    client.on('died', (d) => died.push(d));
    const gaveUp = once(client, 'gaveUp') as Promise<[{ reason: string }]>;
    await client.start();
    const [g] = await gaveUp;
    assert.deepEqual(died.map((d) => d.restarting), [true, true, false]);
    assert.match(died[0].reason, /crash requested by SEGLAB_SERVER_CRASH_AFTER_MS/);
    assert.match(g.reason, /crashed 3 times/);
    assert.equal(client.running, false);
  });

  test('a server stopped on purpose is not restarted', async () => {
    const client = make({ restartDelayMs: 10 });
    let died = 0;
    client.on('died', () => died++);
    await client.start();
    assert.equal(client.running, true);
    await client.stop();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(died, 0);
    assert.equal(client.running, false);
  });
});
