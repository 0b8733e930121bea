// PredictorPool with a fake predictor script (no tfjs): it answers `ready`, then echoes each request's image path.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PredictorPool } from './pool';

let dir: string;
let worker: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-pool-'));
  worker = path.join(dir, 'echo-worker.js');
  fs.writeFileSync(
    worker,
    "process.on('message', (m) => m.type === 'init' ? process.send({ type: 'ready', backend: m.backend }) : " +
      "process.send({ type: 'result', id: m.id, result: { imagePath: m.request.imagePath, pid: process.pid } }));\n" +
      "process.on('disconnect', () => process.exit(0));\n",
  );
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const ask = (pool: PredictorPool, runDir: string, image: string, backend?: string) =>
  pool.predict(runDir, 'best', { imagePath: image, maxSide: 64 }, backend) as unknown as Promise<{ imagePath: string; pid: number }>;

test('one warm process per (run, checkpoint, backend), reused between requests', async () => {
  const pool = new PredictorPool({ workerPath: worker, maxWorkers: 3 });
  try {
    const a1 = await ask(pool, '/runs/a', 'x.png');
    const a2 = await ask(pool, '/runs/a', 'y.png');
    assert.equal(a2.imagePath, 'y.png');
    assert.equal(a1.pid, a2.pid);
    const b = await ask(pool, '/runs/b', 'x.png');
    const aCpu = await ask(pool, '/runs/a', 'x.png', 'cpu');
    assert.equal(new Set([a1.pid, b.pid, aCpu.pid]).size, 3);
    assert.deepEqual([...pool.pids.keys()].sort(), ['/runs/a|best|auto', '/runs/a|best|cpu', '/runs/b|best|auto']);
  } finally {
    pool.dispose();
  }
});

test('a full pool ends its least recently used idle process', async () => {
  const pool = new PredictorPool({ workerPath: worker, maxWorkers: 2 });
  try {
    await ask(pool, '/runs/a', 'x.png');
    await ask(pool, '/runs/b', 'x.png');
    await ask(pool, '/runs/a', 'x.png'); // a is now the most recently used
    await ask(pool, '/runs/c', 'x.png');
    assert.deepEqual([...pool.pids.keys()].sort(), ['/runs/a|best|auto', '/runs/c|best|auto']);
  } finally {
    pool.dispose();
  }
});

test('idle processes are ended after idleMs', async () => {
  const pool = new PredictorPool({ workerPath: worker, idleMs: 30 });
  try {
    await ask(pool, '/runs/a', 'x.png');
    assert.equal(pool.pids.size, 1);
    for (let i = 0; i < 100 && pool.pids.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(pool.pids.size, 0);
  } finally {
    pool.dispose();
  }
});
