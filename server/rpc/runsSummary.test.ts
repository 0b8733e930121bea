import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMetrics, summariseRun, summariseRuns } from './runsSummary';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-runs-'));
}

function writeRun(dir: string, info: object, rows: object[], config: object = {}): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(info));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

const row = (epoch: number, mIoU: number, seconds = 10, trainLoss = 1 / epoch) => ({ epoch, trainLoss, mIoU, seconds });

describe('summariseRun', () => {
  test('best epoch, total time, params and encoder come from the run files', () => {
    const dir = path.join(tmp(), 'r1');
    writeRun(
      dir,
      { arch: 'unet', backend: 'wasm', createdAt: '2026-01-01T00:00:00Z', params: { trainable: 100, nonTrainable: 4 }, classNames: ['a', 'b'] },
      [row(1, 0.5, 10), row(2, 0.7, 12), row(3, 0.6, 11)],
      { model: { encoderName: 'resnet18' } },
    );
    const s = summariseRun(dir);
    assert.equal(s.name, 'r1');
    assert.equal(s.arch, 'unet');
    assert.equal(s.encoderName, 'resnet18');
    assert.equal(s.params, 104);
    assert.equal(s.bestMIoU, 0.7);
    assert.equal(s.bestEpoch, 2);
    assert.equal(s.seconds, 33);
    assert.equal(s.epochsDone, 3);
    assert.deepEqual(s.curve.map((p) => p.epoch), [1, 2, 3]);
    assert.equal(s.problem, null);
  });

  test('a resumed run that repeats an epoch keeps the later line', () => {
    const dir = path.join(tmp(), 'r');
    writeRun(dir, { arch: 'unet' }, [row(1, 0.2), row(2, 0.3), row(2, 0.4)]);
    const s = summariseRun(dir);
    assert.equal(s.epochsDone, 2);
    assert.equal(s.curve[1].mIoU, 0.4);
  });

  test('corrupt lines are skipped and named; a run without metrics has no best', () => {
    const dir = path.join(tmp(), 'r');
    writeRun(dir, { arch: 'unet' }, [row(1, 0.2)]);
    fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"epoch": 2, "trunc\n');
    const { rows, problem } = readMetrics(path.join(dir, 'metrics.jsonl'));
    assert.equal(rows.length, 1);
    assert.match(problem ?? '', /metrics\.jsonl: line\(s\) 2 are not metrics rows/);
    fs.rmSync(path.join(dir, 'metrics.jsonl'));
    const s = summariseRun(dir);
    assert.equal(s.bestMIoU, null);
    assert.equal(s.bestEpoch, null);
  });

  test('an unreadable run.json is reported, not thrown', () => {
    const dir = path.join(tmp(), 'bad');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'run.json'), '{not json');
    const s = summariseRun(dir);
    assert.match(s.problem ?? '', /run\.json is unreadable/);
    assert.equal(s.arch, '?');
  });
});

describe('summariseRuns', () => {
  test('lists run folders newest first, damaged ones included; a missing folder is empty', () => {
    const root = tmp();
    writeRun(path.join(root, 'old'), { arch: 'unet', createdAt: '2026-01-01T00:00:00Z' }, []);
    writeRun(path.join(root, 'new'), { arch: 'unet', createdAt: '2026-02-01T00:00:00Z' }, []);
    fs.mkdirSync(path.join(root, 'broken'));
    fs.writeFileSync(path.join(root, 'broken', 'run.json'), '{');
    fs.mkdirSync(path.join(root, 'not-a-run'));
    assert.deepEqual(summariseRuns(root).map((r) => r.name), ['new', 'old', 'broken']);
    assert.deepEqual(summariseRuns(path.join(root, 'nope')), []);
  });

  test('the sanity models under .sanity are not training runs', () => {
    const root = tmp();
    writeRun(path.join(root, 'r'), { arch: 'unet', createdAt: '2026-01-01T00:00:00Z' }, []);
    // What server/sanity/saveModel.ts writes: <runsDir>/.sanity/<module>-<hash>/ with run.json, sanity.json, last/.
    const sanity = path.join(root, '.sanity', 'unet.ts-0123abcd');
    writeRun(sanity, { arch: 'unet', createdAt: '2026-03-01T00:00:00Z' }, []);
    fs.writeFileSync(path.join(sanity, 'sanity.json'), '{}');
    assert.deepEqual(summariseRuns(root).map((r) => r.name), ['r']);
  });
});
