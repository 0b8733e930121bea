import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SanityWatcher, SanityTarget } from './sanityWatcher';
import type { SanityRunParams, SanityVerdict } from '../../server/protocol';

function verdict(runId: string, files: string[], status: SanityVerdict['status'] = 'passed'): SanityVerdict {
  return {
    runId, status, message: '', module: files[0] ?? '', files, seconds: 0, steps: [], diagnostics: [], params: null,
    outputShape: null, expectedShape: null, losses: [], sample: null,
    settings: { size: [64, 64], batchSize: 2, steps: 5, timeBudgetSeconds: 30, memoryLimitMb: 2048 }, backend: null,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `cond` holds (file events take a moment to arrive); fails after `ms`. */
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('SanityWatcher', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-watch-'));
  const mod = path.join(dir, 'net.ts');
  const lib = path.join(dir, 'blocks.ts');
  const other = path.join(dir, 'other.ts');
  const cfg = path.join(dir, 'seglab.json');
  for (const f of [mod, lib, other, cfg]) fs.writeFileSync(f, '// v0\n');
  const target: SanityTarget = { configPath: cfg, cwd: dir, modulePath: mod };
  const watchers: SanityWatcher[] = [];
  after(async () => {
    for (const w of watchers) await w.dispose();
  });

  test('follows the import graph from the verdict; debounces bursts of saves into one run', async () => {
    const runs: SanityRunParams[] = [];
    const verdicts: SanityVerdict[] = [];
    let imports = [mod, lib];
    const w = new SanityWatcher(target, {
      run: async (p) => {
        runs.push(p);
        return verdict(p.runId!, imports);
      },
      onVerdict: (_t, v) => verdicts.push(v),
      debounceMs: 100,
    });
    watchers.push(w);
    await w.runNow();
    assert.deepEqual(w.files, [cfg, lib, mod].sort(), 'watches the module, what it imports, and the config');
    await sleep(200); // let chokidar set up the new watches

    fs.writeFileSync(lib, '// v1\n');
    fs.writeFileSync(lib, '// v2\n');
    fs.writeFileSync(mod, '// v1\n');
    await until(() => verdicts.length === 2, 'the run after the burst');
    await sleep(300);
    assert.equal(runs.length, 2, 'three saves within the debounce start one run');
    assert.equal(runs[1].modulePath, mod);
    assert.equal(runs[1].configPath, cfg);

    fs.writeFileSync(other, '// not imported\n');
    await sleep(400);
    assert.equal(runs.length, 2, 'a file outside the import graph does not trigger');

    imports = [mod];
    fs.writeFileSync(mod, '// v2, no longer imports blocks\n');
    await until(() => verdicts.length === 3, 'the run after dropping the import');
    assert.deepEqual(w.files, [cfg, mod].sort());
    await sleep(200);
    fs.writeFileSync(lib, '// v3\n');
    await sleep(400);
    assert.equal(runs.length, 3, 'a file no longer imported does not trigger');
  });

  test('a save during a run starts a new one; only the latest verdict is reported', async () => {
    const verdicts: SanityVerdict[] = [];
    const started: string[] = [];
    let release: (() => void) | null = null;
    const w = new SanityWatcher(target, {
      run: (p) => {
        started.push(p.runId!);
        if (started.length === 1) {
          // The first run is slow; the server answers it 'cancelled' when the second arrives.
          return new Promise((resolve) => (release = () => resolve(verdict(p.runId!, [mod], 'cancelled'))));
        }
        release?.();
        return Promise.resolve(verdict(p.runId!, [mod]));
      },
      onVerdict: (_t, v) => verdicts.push(v),
      debounceMs: 50,
    });
    watchers.push(w);
    const first = w.runNow();
    await sleep(200);
    fs.writeFileSync(mod, '// edited during the run\n');
    await until(() => verdicts.length === 1, 'the second verdict');
    await first;
    await w.idle();
    assert.equal(started.length, 2);
    assert.equal(verdicts[0].runId, started[1], 'the cancelled first run is not reported');
  });

  test('a failing request is reported once as an error; dispose stops watching', async () => {
    const errors: unknown[] = [];
    const w = new SanityWatcher(target, {
      run: () => Promise.reject(new Error('server gone')),
      onVerdict: () => assert.fail('no verdict expected'),
      onError: (_t, e) => errors.push(e),
      debounceMs: 20,
    });
    await w.runNow();
    assert.equal(errors.length, 1);
    await w.dispose();
    fs.writeFileSync(mod, '// after dispose\n');
    await sleep(200);
    assert.equal(errors.length, 1);
  });
});
