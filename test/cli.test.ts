/** End-to-end tests of the seglab CLI: real processes, real training on generated data. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writePng } from '../server/data/image';

const CLI = path.join(__dirname, '..', 'server', 'cli', 'main.js');

function seglab(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStack = (s: string): void => assert.doesNotMatch(s, /^\s+at .+\(.*:\d+:\d+\)$/m, `stack trace in:\n${s}`);

const SMALL = {
  data: { type: 'synthetic', kind: 'cells', trainCount: 8, valCount: 4, size: 32, seed: 5 },
  input: { size: 32 },
  model: { encoderDepth: 2, baseFilters: 4 },
  train: { epochs: 3, batchSize: 4, stepsPerEpoch: 6, optimizer: { lr: 0.01 }, samples: 1 },
  output: { name: 'small' },
};

describe('seglab CLI', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-cli-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, body: unknown): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body, null, 2));
    return file;
  };

  test('--help prints the commands', () => {
    const r = seglab(['--help'], dir);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /train .*\n.*eval .*\n.*predict IMAGE\|DIR/);
  });

  test('a bad config field is named, its value quoted and the valid options listed; exit 2, no stack', () => {
    write('bad.json', { train: { optimizer: { type: 'adamw' } }, model: { encoderDepth: 9 } });
    const r = seglab(['train', '--config', 'bad.json'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.json: 2 problems/);
    assert.match(r.stderr, /`train\.optimizer\.type`: got "adamw"; valid options: "adam", "sgd"/);
    assert.match(r.stderr, /`model\.encoderDepth`: got 9/);
    noStack(r.stderr);
  });

  test('bad command lines say what is valid; exit 2', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-empty-'));
    assert.match(seglab(['fly'], empty).stderr, /unknown command "fly"; valid: train, eval, predict/);
    assert.match(seglab(['eval', '--checkpoint', 'mid'], empty).stderr, /--checkpoint must be best or last; got "mid"/);
    const noRuns = seglab(['eval'], empty);
    assert.equal(noRuns.code, 2);
    assert.match(noRuns.stderr, /no runs in .*runs yet; train first/);
    assert.match(seglab(['eval', '--run', 'nope'], empty).stderr, /"nope" is not a run folder .* nor a run name/);
    assert.match(seglab(['predict'], empty).stderr, /predict needs at least one image or folder/);
    fs.rmSync(empty, { recursive: true, force: true });
  });

  test('invalid JSON names the line and column', () => {
    write('syntax.json', '{\n  "train": {\n    "epochs": 3,\n  }\n}\n');
    const r = seglab(['train', '--config', 'syntax.json'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /syntax\.json:4:3: invalid JSON/);
  });

  test('a mask whose size differs from its image is refused naming both files; exit 1, no stack', async () => {
    const root = path.join(dir, 'badmask');
    for (const sub of ['images', 'masks']) fs.mkdirSync(path.join(root, sub), { recursive: true });
    for (const i of [0, 1, 2]) {
      await writePng(path.join(root, 'images', `${i}.png`), new Uint8Array(32 * 32), 32, 32, 1);
      const s = i === 1 ? 30 : 32;
      await writePng(path.join(root, 'masks', `${i}.png`), new Uint8Array(s * s), s, s, 1);
    }
    write('badmask.json', {
      ...SMALL,
      data: { type: 'maskFolder', train: { images: 'badmask/images', masks: 'badmask/masks' }, split: { count: 1 }, classes: 2 },
    });
    const r = seglab(['train', '--config', 'badmask.json'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: .*1\.png.*1\.png/);
    assert.match(r.stderr, /30x30|30 x 30|30×30/);
    noStack(r.stderr);
  });

  test('a job that would overflow the WASM heap is refused before it starts, naming the largest batch that fits', () => {
    write('huge.json', { ...SMALL, input: { size: 64 }, model: { encoderDepth: 2, baseFilters: 8 }, train: { ...SMALL.train, batchSize: 4000 } });
    const r = seglab(['train', '--config', 'huge.json', '--backend', 'wasm'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: this job needs about [\d.]+ GiB .*batch 4000 at 64x64.*largest that fit: train\.batchSize \d+ at 64x64/);
    assert.equal(fs.existsSync(path.join(dir, 'runs', 'small')), false, 'nothing is written for a refused job');
  });

  test('train prints the backend, per-epoch val mIoU, the per-class table and the run folder', () => {
    write('seglab.json', SMALL);
    const r = seglab(['train'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^backend: wasm/m);
    assert.match(r.stdout, /skipped node-gpu: /);
    assert.match(r.stdout, /epoch 3\/3 {2}loss [\d.]+ {2}val mIoU [\d.]+ \(per-batch mean [\d.]+\)/);
    assert.match(r.stdout, /0 boundary\s+[\d.]+\s+[\d.]+\s+\d+\n1 cell\s+[\d.]+/);
    assert.match(r.stdout, /run folder: .*runs[/\\]small/);
  });

  test('eval and predict use the newest run', () => {
    const e = seglab(['eval', '--save-predictions', 'preds'], dir);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /mIoU\s+[\d.]+\s+\(dataset-wide over 4 images\)/);
    assert.equal(fs.readdirSync(path.join(dir, 'preds')).length, 4);
    const p = seglab(['predict', 'preds', '--out', 'pred-out'], dir);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(fs.readdirSync(path.join(dir, 'pred-out')).length, 8);
  });

  test('models lists every architecture x encoder with parameter counts (JSON and table)', () => {
    const j = seglab(['models', '--json', '--input-size', '64'], dir);
    assert.equal(j.code, 0, j.stderr);
    const rows = JSON.parse(j.stdout) as { arch: string; encoderName: string; trainableParams: number; multiplyAdds: number }[];
    const archs = new Set(rows.map((r) => r.arch));
    const encoders = new Set(rows.map((r) => r.encoderName));
    assert.deepEqual([...archs].sort(), ['deeplabv3', 'deeplabv3plus', 'unet', 'unet3plus', 'unetplusplus']);
    assert.equal(rows.length, archs.size * encoders.size);
    assert.ok(rows.every((r) => r.trainableParams > 0 && r.multiplyAdds > 0));
    const t = seglab(['models', '--input-size', '64'], dir);
    assert.match(t.stdout, /deeplabv3plus\s+resnet50\s+[\d.]+M/);
    assert.equal(seglab(['models', '--input-size', 'x'], dir).code, 2);
  });

  test('data check reports counts and class shares of the configured data', () => {
    const r = seglab(['data', 'check'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /== train: synthetic/);
    assert.match(r.stdout, /boundary/);
  });

  test('Ctrl+C saves and exits; --resume finishes the run', async () => {
    write('seglab.json', { ...SMALL, output: { name: 'interrupted' } });
    const child = spawn(process.execPath, [CLI, 'train'], { cwd: dir });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (/epoch 1\/3/.test(out) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', () => resolve());
    });
    assert.equal(child.exitCode, 130, err);
    assert.match(err, /stopping after the current step/);
    assert.match(out, /stopped in .*\n.*\nresume with: seglab train --resume /);
    const runDir = path.join(dir, 'runs', 'interrupted');
    assert.ok(fs.existsSync(path.join(runDir, 'last', 'state.json')));
    const r = seglab(['train', '--resume', 'interrupted'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /resuming at epoch [23]\/3/);
    assert.match(r.stdout, /epoch 3\/3/);
    assert.equal(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 3);
  });
});
