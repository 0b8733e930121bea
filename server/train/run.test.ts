import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TrainEvent } from '../protocol';
import { runJob } from './jobs';
import { loadModel, readState } from './checkpoint';
import { writePng } from '../data/image';

/** A small but real run: synthetic cells, a depth-2 U-Net, 3 epochs of 6 steps. */
const CONFIG = {
  data: { type: 'synthetic', kind: 'cells', trainCount: 12, valCount: 4, size: 32, seed: 3 },
  input: { size: 32 },
  model: { encoderDepth: 2, baseFilters: 4 },
  train: { epochs: 3, batchSize: 4, stepsPerEpoch: 6, optimizer: { lr: 0.01 }, samples: 2 },
  output: { runsDir: 'runs' },
};

interface Recorded {
  events: TrainEvent[];
  tensorsAtStep: number[];
}

async function train(dir: string, name: string, stopAfterSteps?: number, resumeRunDir?: string): Promise<Recorded> {
  const configPath = path.join(dir, `${name}.json`);
  fs.writeFileSync(configPath, JSON.stringify({ ...CONFIG, output: { runsDir: 'runs', name } }));
  const rec: Recorded = { events: [], tensorsAtStep: [] };
  let steps = 0;
  await runJob(
    { kind: 'train', configPath, cwd: dir, backend: 'wasm', resumeRunDir },
    (e) => {
      rec.events.push(e);
      if (e.type === 'step') {
        steps++;
        rec.tensorsAtStep.push(tf.memory().numTensors);
      }
    },
    () => stopAfterSteps !== undefined && steps >= stopAfterSteps,
  );
  return rec;
}

const ofType = <T extends TrainEvent['type']>(r: Recorded, t: T) =>
  r.events.filter((e): e is Extract<TrainEvent, { type: T }> => e.type === t);

async function weightsOf(runDir: string): Promise<Float32Array[]> {
  const m = await loadModel(path.join(runDir, 'last'));
  const out = m.getWeights().map((w) => w.dataSync() as Float32Array);
  m.dispose();
  return out;
}

describe('training run (wasm backend)', () => {
  let dir: string;
  let full: Recorded;
  let runDir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-run-'));
    full = await train(dir, 'full');
    runDir = path.join(dir, 'runs', 'full');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('reports backend, run start, every step, every epoch and the end', () => {
    assert.equal(ofType(full, 'backend')[0].name, 'wasm');
    const start = ofType(full, 'runStart')[0];
    assert.equal(start.runDir, runDir);
    assert.equal(start.stepsPerEpoch, 6);
    assert.equal(ofType(full, 'step').length, 18);
    assert.deepEqual(ofType(full, 'epochEnd').map((e) => e.epoch), [1, 2, 3]);
    const end = ofType(full, 'runEnd')[0];
    assert.equal(end.status, 'completed');
    assert.equal(end.epochsDone, 3);
  });

  test('the loss falls', () => {
    const losses = ofType(full, 'step').map((e) => e.loss);
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    assert.ok(mean(losses.slice(-4)) < 0.8 * mean(losses.slice(0, 4)), `losses ${losses.map((l) => l.toFixed(3)).join(' ')}`);
  });

  test('the tensor count stays flat across steps and epochs', () => {
    // Step 1 creates the optimizer's slot variables; from step 2 on nothing may accumulate.
    const counts = full.tensorsAtStep.slice(1);
    assert.ok(counts.every((c) => c === counts[0]), `tensor counts ${counts.join(' ')}`);
  });

  test('the run folder holds config, run info, metrics per epoch, checkpoints and sample PNGs', () => {
    for (const f of ['config.json', 'run.json', 'last/model.json', 'last/weights.bin', 'best/state.json', 'samples/epoch-003.png']) {
      assert.ok(fs.existsSync(path.join(runDir, f)), f);
    }
    const rows = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((r) => r.epoch), [1, 2, 3]);
    const epochEnds = ofType(full, 'epochEnd');
    rows.forEach((r, i) => assert.equal(r.mIoU, epochEnds[i].val.mIoU));
    const best = Math.max(...rows.map((r) => r.mIoU));
    assert.equal(readState(path.join(runDir, 'best')).bestMIoU, best);
  });

  test('stopping mid-epoch saves; resuming gives exactly the weights of the uninterrupted run', async () => {
    const stopped = await train(dir, 'resumed', 8);
    const end = ofType(stopped, 'runEnd')[0];
    assert.equal(end.status, 'stopped');
    const resumedDir = path.join(dir, 'runs', 'resumed');
    const state = readState(path.join(resumedDir, 'last'));
    assert.equal(state.epoch, 1);
    assert.equal(state.stepInEpoch, 2);
    const cont = await train(dir, 'resumed', undefined, resumedDir);
    assert.equal(ofType(cont, 'runStart')[0].startEpoch, 2);
    const firstEpoch = ofType(stopped, 'epochEnd')[0];
    assert.deepEqual(ofType(cont, 'runStart')[0].history, [{ epoch: 1, trainLoss: firstEpoch.trainLoss, mIoU: firstEpoch.val.mIoU }]);
    assert.deepEqual(ofType(stopped, 'runStart')[0].history, [], 'a new run has no history');
    assert.equal(ofType(cont, 'step').length, 10);
    assert.equal(ofType(cont, 'runEnd')[0].status, 'completed');
    const a = await weightsOf(runDir);
    const b = await weightsOf(resumedDir);
    assert.equal(a.length, b.length);
    a.forEach((w, i) => assert.deepEqual(b[i], w, `weight ${i}`));
    const rows = fs.readFileSync(path.join(resumedDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.equal(rows.length, 3);
  });

  test('eval recomputes the best epoch mIoU and writes index PNGs named like the inputs', async () => {
    const events: TrainEvent[] = [];
    const out = path.join(dir, 'preds');
    await runJob({ kind: 'eval', runDir, checkpoint: 'best', backend: 'wasm', savePredictionsDir: out }, (e) => events.push(e), () => false);
    const done = events.find((e): e is Extract<TrainEvent, { type: 'evalDone' }> => e.type === 'evalDone');
    assert.ok(done);
    assert.equal(done.result.mIoU, readState(path.join(runDir, 'best')).bestMIoU);
    assert.equal(fs.readdirSync(out).length, 4);
  });

  test('predict writes a mask and an overlay per image at the image size', async () => {
    const img = path.join(dir, 'odd size.png');
    await writePng(img, new Uint8Array(37 * 21).fill(128), 21, 37, 1);
    const events: TrainEvent[] = [];
    const out = path.join(dir, 'predict');
    await runJob({ kind: 'predict', runDir, checkpoint: 'last', backend: 'wasm', inputs: [img], outDir: out }, (e) => events.push(e), () => false);
    const done = events.find((e): e is Extract<TrainEvent, { type: 'predictDone' }> => e.type === 'predictDone');
    assert.ok(done);
    const { default: sharp } = await import('sharp');
    const meta = await sharp(done.files[0].mask).metadata();
    assert.deepEqual([meta.width, meta.height], [21, 37]);
    assert.ok(fs.existsSync(done.files[0].overlay));
  });
});

describe('valid-padding U-Net (the paper) end to end', () => {
  test('trains with centre-cropped labels and evaluates on whole images at their own size', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-valid-'));
    // depth 2: 64 -> 62 -> 60 -> pool 30 -> 28 -> 26 -> pool 13 -> 11 -> 9 -> up 18 -> 16 -> 14 -> up 28 -> 26 -> 24.
    const cfg = {
      ...CONFIG,
      data: { ...CONFIG.data, size: 40, trainCount: 8, valCount: 2 },
      input: { size: 64 },
      model: { encoderDepth: 2, baseFilters: 4, padding: 'valid', decoderUseBatchnorm: false },
      train: { ...CONFIG.train, epochs: 1, stepsPerEpoch: 3 },
      output: { runsDir: 'runs', name: 'valid' },
    };
    const configPath = path.join(dir, 'valid.json');
    fs.writeFileSync(configPath, JSON.stringify(cfg));
    const events: TrainEvent[] = [];
    await runJob({ kind: 'train', configPath, cwd: dir, backend: 'wasm' }, (e) => events.push(e), () => false);
    const end = events.find((e): e is Extract<TrainEvent, { type: 'epochEnd' }> => e.type === 'epochEnd');
    assert.ok(end);
    // Every validation pixel of the two 40x40 images is scored, none lost to the valid convolutions' border.
    const counted = end.val.confusion.flat().reduce((a, b) => a + b, 0);
    assert.equal(counted, 2 * 40 * 40);
    assert.ok(ofType({ events, tensorsAtStep: [] }, 'step').every((s) => Number.isFinite(s.loss)));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

test('focal, soft IoU, Lovasz and U-Net 3+ hybrid losses train from the config', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-losses-'));
  const configPath = path.join(dir, 'l.json');
  const loss = [{ type: 'focal', gamma: 2 }, { type: 'iou' }, { type: 'lovasz', weight: 0.5 }, { type: 'unet3plus', weight: 0.5 }];
  fs.writeFileSync(configPath, JSON.stringify({ ...CONFIG, train: { ...CONFIG.train, epochs: 1, stepsPerEpoch: 2, loss } }));
  const events: TrainEvent[] = [];
  await runJob({ kind: 'train', configPath, cwd: dir, backend: 'wasm' }, (e) => events.push(e), () => false);
  const steps = events.filter((e): e is Extract<TrainEvent, { type: 'step' }> => e.type === 'step');
  assert.equal(steps.length, 2);
  assert.ok(steps.every((s) => Number.isFinite(s.loss) && s.loss > 0), steps.map((s) => s.loss).join(' '));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('encoder-decoder architectures train through the real loop', () => {
  for (const arch of ['unet', 'unetplusplus', 'unet3plus', 'deeplabv3', 'deeplabv3plus']) {
    test(`${arch} with a ResNet-18 encoder: finite, falling loss and a val mIoU`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `seglab-${arch}-`));
      const configPath = path.join(dir, 'c.json');
      fs.writeFileSync(
        configPath,
        JSON.stringify({
          ...CONFIG,
          data: { ...CONFIG.data, trainCount: 8, valCount: 2 },
          model: { arch, encoderName: 'resnet18', encoderDepth: 3 },
          train: { ...CONFIG.train, epochs: 1, batchSize: 4, stepsPerEpoch: 8, optimizer: { lr: 0.001 }, samples: 1 }, // the default Adam rate
        }),
      );
      const events: TrainEvent[] = [];
      await runJob({ kind: 'train', configPath, cwd: dir, backend: 'wasm' }, (e) => events.push(e), () => false);
      const steps = events.filter((e): e is Extract<TrainEvent, { type: 'step' }> => e.type === 'step').map((e) => e.loss);
      assert.equal(steps.length, 8);
      assert.ok(steps.every(Number.isFinite), steps.join(' '));
      const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
      assert.ok(mean(steps.slice(-3)) < mean(steps.slice(0, 3)), `loss ${steps.join(' ')}`);
      const end = events.find((e): e is Extract<TrainEvent, { type: 'epochEnd' }> => e.type === 'epochEnd');
      assert.ok(end && Number.isFinite(end.val.mIoU));
      assert.equal(end.val.confusion.flat().reduce((a, b) => a + b, 0), 2 * 32 * 32);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }
});
