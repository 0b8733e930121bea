import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeCrash, TrainerChild } from './child';
import type { TrainEvent } from '../protocol';

function script(body: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-child-')), 'worker.js');
  fs.writeFileSync(file, body);
  return file;
}

test('a child that aborts (as WASM does when its heap overflows) is reported, and this process lives on', async () => {
  const worker = script("process.on('message', () => { process.stderr.write('Aborted(OOM)\\n'); process.abort(); });");
  const events: TrainEvent[] = [];
  const child = new TrainerChild({ kind: 'backends' }, (e) => events.push(e), { workerPath: worker, silentStderr: true });
  const outcome = await child.done;
  assert.equal(outcome.ok, false);
  assert.equal(outcome.signal, 'SIGABRT');
  assert.match(outcome.crash ?? '', /killed by SIGABRT.*ran out of memory.*lower `train.batchSize` or `input.size`/);
});

test('a child that reports its own error is not described as a crash', async () => {
  const worker = script(
    "process.on('message', () => process.send({ type: 'error', kind: 'user', message: 'bad data' }, () => process.exit(1)));",
  );
  const events: TrainEvent[] = [];
  const outcome = await new TrainerChild({ kind: 'backends' }, (e) => events.push(e), { workerPath: worker }).done;
  assert.equal(outcome.ok, false);
  assert.equal(outcome.crash, null);
  assert.deepEqual(events, [{ type: 'error', kind: 'user', message: 'bad data' }]);
});

test('stop() reaches the child as a stop command', async () => {
  const worker = script(
    "process.on('message', (m) => { if (m.type === 'stop') process.send({ type: 'log', level: 'info', message: 'stopping' }, () => process.exit(0)); });",
  );
  const events: TrainEvent[] = [];
  const child = new TrainerChild({ kind: 'backends' }, (e) => events.push(e), { workerPath: worker });
  child.stop();
  const outcome = await child.done;
  assert.equal(outcome.ok, true);
  assert.deepEqual(events, [{ type: 'log', level: 'info', message: 'stopping' }]);
});

test('crash descriptions without an out-of-memory sign point to the log and --resume', () => {
  assert.match(describeCrash(3, null, 'TypeError: x'), /exited with code 3\..*resume with --resume/);
});
