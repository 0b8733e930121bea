import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { SanityProgressParams } from '../protocol';
import { SANITY_STEPS } from '../protocol';
import { resolveCheckpoint, sanityModelDir } from '../preview/runModel';
import { SanityRunner } from './runner';
import { buildPosition, example, EXAMPLES, markerPosition, tempFolder } from './testing';

const logs: string[] = [];
const runner = new SanityRunner({ backend: 'wasm', log: (m) => logs.push(m) });
after(() => runner.dispose());

const small = { size: 32, batchSize: 2, steps: 2 };

function params(module: string, settings: object = small, runId?: string) {
  const modulePath = example(module);
  return { configPath: null, cwd: path.dirname(modulePath), modulePath, settings, ...(runId ? { runId } : {}) };
}

test('a run in the warm worker: progress per step in order, then the verdict; the next run reuses the worker', async () => {
  await runner.warmUp();
  const pid = runner.workerPid;
  const progress: SanityProgressParams[] = [];
  // The module named by examples/models/seglab.json (model.module, relative to the config).
  const configPath = example('seglab.json');
  const first = { configPath, cwd: EXAMPLES, runId: 'first', settings: small };
  const v = await runner.run(first, (p) => progress.push(p));
  assert.equal(v.status, 'passed', v.message);
  assert.equal(v.module, example('unet.ts'));
  assert.deepEqual(v.settings, { size: [32, 32], batchSize: 2, steps: 2, timeBudgetSeconds: 30, memoryLimitMb: 2048 });
  assert.equal(v.runId, 'first');
  assert.deepEqual(progress.map((p) => [p.runId, p.step.name]), SANITY_STEPS.map((n) => ['first', n]));
  assert.deepEqual(v.steps, progress.map((p) => p.step));
  assert.ok(v.seconds >= v.steps.reduce((s, st) => s + st.seconds, 0));
  const again = await runner.run(params('broken/wrongClasses.ts'));
  assert.equal(again.status, 'failed');
  assert.match(again.runId, /^sanity-\d+$/);
  assert.equal(runner.workerPid, pid);
});

test('after a verdict the worker saves the fitted model under <runsDir>/.sanity for previews and logs where', async () => {
  const dir = tempFolder({ 'seglab.json': JSON.stringify({ output: { runsDir: 'runs' } }) });
  const modulePath = example('unet.ts');
  const v = await runner.run({ configPath: path.join(dir, 'seglab.json'), cwd: dir, modulePath, settings: small });
  assert.equal(v.status, 'passed', v.message);
  const saved = sanityModelDir(path.join(dir, 'runs'), modulePath);
  for (let i = 0; i < 1500 && !logs.some((l) => l.includes(saved)); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(logs.includes(`sanity model of unet.ts saved to ${saved}`), logs.join('\n'));
  assert.equal(resolveCheckpoint(saved, 'last').dir, path.join(saved, 'last'));
});

test('an endless loop exceeds the time budget: the worker is replaced and the next run works', async () => {
  await runner.warmUp();
  const pid = runner.workerPid;
  const v = await runner.run(params('broken/infiniteLoop.ts', { ...small, timeBudgetSeconds: 2 }));
  assert.equal(v.status, 'timeout');
  assert.equal(v.message, 'failed: exceeded 2 s');
  const file = example('broken/infiniteLoop.ts');
  assert.equal(v.diagnostics.length, 1);
  assert.deepEqual({ ...v.diagnostics[0], message: '' }, { file, ...buildPosition(file), endLine: buildPosition(file).line, endColumn: buildPosition(file).column + 5, severity: 'error', code: 'time-budget', message: '' });
  assert.match(v.diagnostics[0].message, /exceeded 2 s in the build step/);
  assert.deepEqual(v.steps.map((s) => s.name), ['transpile', 'data']);
  assert.notEqual(runner.workerPid, pid);
  assert.notEqual(runner.workerPid, null);
  const next = await runner.run(params('broken/wrongClasses.ts'));
  assert.equal(next.status, 'failed');
});

test('a new run cancels the one in flight; cancel() ends a run and says whether there was one', async () => {
  await runner.warmUp();
  const slow = runner.run(params('broken/infiniteLoop.ts', { ...small, timeBudgetSeconds: 60 }, 'slow'));
  const quick = runner.run(params('broken/syntax.ts', small, 'quick'));
  const [a, b] = await Promise.all([slow, quick]);
  assert.equal(a.status, 'cancelled');
  assert.equal(a.runId, 'slow');
  assert.equal(b.status, 'failed');
  const file = example('broken/syntax.ts');
  const at = markerPosition(file, ' ;');
  assert.deepEqual([b.diagnostics[0].line, b.diagnostics[0].column], [at.line, at.column + 1]);

  const third = runner.run(params('broken/infiniteLoop.ts', { ...small, timeBudgetSeconds: 60 }, 'third'));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(runner.cancel('someone-else'), false);
  assert.equal(runner.cancel('third'), true);
  assert.equal((await third).status, 'cancelled');
  assert.equal(runner.cancel(), false);
});

test('a run cancelled between optimisation steps stops there: the same warm worker takes the next run, nothing leaked', async () => {
  await runner.warmUp();
  const pid = runner.workerPid;
  let reachedOverfit!: () => void;
  const inOverfit = new Promise<void>((r) => (reachedOverfit = r));
  const long = runner.run(params('unet.ts', { size: 64, batchSize: 2, steps: 100, timeBudgetSeconds: 120 }, 'long'), (p) => {
    if (p.step.name === 'forward') reachedOverfit();
  });
  await inOverfit;
  const next = runner.run(params('unet.ts', small, 'next'));
  const [a, b] = await Promise.all([long, next]);
  assert.equal(a.status, 'cancelled');
  assert.equal(b.status, 'passed', b.message);
  assert.deepEqual(b.diagnostics, []);
  assert.equal(runner.workerPid, pid);
});

test('a cancelled run stuck in user code is killed after the grace period and the next run gets a fresh worker', async () => {
  await runner.warmUp();
  const pid = runner.workerPid;
  const stuck = runner.run(params('broken/infiniteLoop.ts', { ...small, timeBudgetSeconds: 60 }, 'stuck'));
  await new Promise((r) => setTimeout(r, 300));
  const next = runner.run(params('broken/wrongClasses.ts', small, 'after-stuck'));
  assert.equal((await stuck).status, 'cancelled');
  assert.equal((await next).status, 'failed');
  assert.notEqual(runner.workerPid, pid);
  assert.ok(logs.includes('sanity worker replaced: a cancelled run did not stop in time (busy in user code)'), logs.join('\n'));
});

test('a run cancelled while the worker is still starting leaves that worker to the next run', async () => {
  const fresh = new SanityRunner({ backend: 'wasm' });
  try {
    const a = fresh.run(params('broken/syntax.ts', small, 'a'));
    const pid = fresh.workerPid;
    assert.notEqual(pid, null);
    const b = fresh.run(params('broken/syntax.ts', small, 'b'));
    assert.equal((await a).status, 'cancelled');
    assert.equal((await b).status, 'failed');
    assert.equal(fresh.workerPid, pid);
  } finally {
    fresh.dispose();
  }
});

test('user code that exits the process is a crash; the server (this process) lives on', async () => {
  const v = await runner.run(params('broken/exits.ts'));
  assert.equal(v.status, 'crashed');
  assert.match(v.message, /exited with code 3/);
  assert.equal(v.diagnostics[0].code, 'crashed');
});

test('an uncaught error thrown later by user code crashes only the worker, and says what it was', async () => {
  const dir = tempFolder({
    'late.ts': `import * as tf from '@tensorflow/tfjs';
export function build(ctx: any): tf.LayersModel {
  setTimeout(() => { throw new Error('late failure'); }, 0);
  const input = tf.input({ shape: ctx.inputShape });
  return tf.model({ inputs: input, outputs: tf.layers.conv2d({ filters: ctx.classes, kernelSize: 1 }).apply(input) as tf.SymbolicTensor });
}
`,
  });
  const modulePath = path.join(dir, 'late.ts');
  const v = await runner.run({ configPath: null, cwd: dir, modulePath, settings: small });
  assert.equal(v.status, 'crashed');
  assert.match(v.message, /stopped on an uncaught error: Error: late failure/);
});

test('a build that hoards memory runs out of the heap cap: "ran out of memory"', async () => {
  const v = await runner.run(params('broken/outOfMemory.ts', { ...small, memoryLimitMb: 256, timeBudgetSeconds: 60 }));
  assert.equal(v.status, 'oom', v.message);
  assert.match(v.message, /ran out of memory \(the heap cap is 256 MB/);
  assert.equal(v.diagnostics[0].code, 'out-of-memory');
});
