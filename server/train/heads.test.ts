/** Deep supervision, the U-Net 3+ CGM and U-Net++ pruning through the real training loop (wasm, tiny sizes). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TrainEvent } from '../protocol';
import { runJob, readRunConfig, readRunInfo } from './jobs';
import { loadModel } from './checkpoint';
import { pruneForInference } from './inference';

const BASE = {
  data: { type: 'synthetic', kind: 'cells', trainCount: 8, valCount: 2, size: 32, seed: 3 },
  input: { size: 32 },
  train: { epochs: 1, batchSize: 4, stepsPerEpoch: 3, optimizer: { lr: 0.001 }, samples: 0 },
};

async function trainRun(dir: string, name: string, model: object, train: object = {}): Promise<TrainEvent[]> {
  const configPath = path.join(dir, `${name}.json`);
  fs.writeFileSync(configPath, JSON.stringify({ ...BASE, model, train: { ...BASE.train, ...train }, output: { runsDir: 'runs', name } }));
  const events: TrainEvent[] = [];
  await runJob({ kind: 'train', configPath, cwd: dir, backend: 'wasm' }, (e) => events.push(e), () => false);
  return events;
}

const losses = (ev: TrainEvent[]) => ev.flatMap((e) => (e.type === 'step' ? [e.loss] : []));

describe('extra heads train from the config', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-heads-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('U-Net++ with deep supervision: 3 heads trained, eval and a pruned L1 network that equals head X(0,1)', async () => {
    const ev = await trainRun(dir, 'upp', { arch: 'unetplusplus', encoderName: 'resnet18', encoderDepth: 3, deepSupervision: true }, { deepSupervisionWeights: [1, 0.5, 0.5] });
    assert.equal(losses(ev).length, 3);
    assert.ok(losses(ev).every((l) => Number.isFinite(l) && l > 0), losses(ev).join(' '));
    const runDir = path.join(dir, 'runs', 'upp');
    const full = await loadModel(path.join(runDir, 'last'));
    assert.equal(full.outputs.length, 3);
    const x = tf.randomNormal([1, 32, 32, 1], 0, 1, 'float32', 7);
    const fullOut = full.predict(x) as tf.Tensor[];
    const pruned = pruneForInference(await loadModel(path.join(runDir, 'last')), readRunConfig(runDir), readRunInfo(runDir), 1);
    assert.match(pruned.name, /-L1-/);
    const prunedOut = pruned.predict(x) as tf.Tensor;
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(prunedOut, fullOut[1]))).dataSync()[0]);
    assert.ok(diff < 1e-4, `pruned L1 vs the full model's head on X(0,1): max difference ${diff}`);
    tf.dispose([x, prunedOut, ...fullOut]);
    full.dispose();
    pruned.dispose();
    // eval through the job with a config asking for pruning at L2
    const pruneCfg = path.join(dir, 'prune.json');
    const runCfg = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8'));
    fs.writeFileSync(pruneCfg, JSON.stringify({ ...BASE, model: { ...runCfg.model, pruneLevel: 2 } }));
    const evalEvents: TrainEvent[] = [];
    await runJob({ kind: 'eval', runDir, checkpoint: 'last', backend: 'wasm', configPath: pruneCfg }, (e) => evalEvents.push(e), () => false);
    const done = evalEvents.find((e): e is Extract<TrainEvent, { type: 'evalDone' }> => e.type === 'evalDone');
    assert.ok(done && Number.isFinite(done.result.mIoU));
    assert.equal(done.result.confusion.flat().reduce((a, b) => a + b, 0), 2 * 32 * 32);
  });

  test('encoderWeights from another run (decoder ignored) and freezeEncoderEpochs: the encoder ends the frozen epoch as loaded', async () => {
    const source = path.join(dir, 'runs', 'upp', 'last');
    const ev = await trainRun(dir, 'frozen', { arch: 'unet', encoderName: 'resnet18', encoderDepth: 3, encoderWeights: source }, { freezeEncoderEpochs: 1 });
    const logs = ev.flatMap((e) => (e.type === 'log' ? [e.message] : []));
    assert.ok(logs.some((m) => /encoder weights: \d+ loaded from .*; \d+ non-encoder weights in the file ignored/.test(m)), logs.join('\n'));
    const encoderOf = async (dir: string) => {
      const m = await loadModel(dir);
      const v = m.weights.filter((w) => w.originalName.startsWith('encoder_')).map((w) => Array.from(w.read().dataSync()));
      m.dispose();
      return v;
    };
    assert.deepEqual(await encoderOf(path.join(dir, 'runs', 'frozen', 'last')), await encoderOf(source));
  });

  test('pruning a run trained without deep supervision is refused with the fix', async () => {
    await trainRun(dir, 'plain', { arch: 'unetplusplus', encoderName: 'resnet18', encoderDepth: 3 }, { stepsPerEpoch: 1 });
    const runDir = path.join(dir, 'runs', 'plain');
    const model = await loadModel(path.join(runDir, 'last'));
    assert.throws(() => pruneForInference(model, readRunConfig(runDir), readRunInfo(runDir), 1), /trained without `model.deepSupervision`.*deepSupervision: true/);
    model.dispose();
  });

  test('U-Net 3+ with full-scale deep supervision and the CGM: finite losses, a presence output, eval on the main head', async () => {
    const ev = await trainRun(dir, 'u3p', { arch: 'unet3plus', encoderName: 'resnet18', encoderDepth: 3, deepSupervision: true, cgm: true }, { cgmLossWeight: 0.5 });
    assert.ok(losses(ev).length === 3 && losses(ev).every((l) => Number.isFinite(l) && l > 0), losses(ev).join(' '));
    const end = ev.find((e): e is Extract<TrainEvent, { type: 'epochEnd' }> => e.type === 'epochEnd');
    assert.ok(end && Number.isFinite(end.val.mIoU));
    const model = await loadModel(path.join(dir, 'runs', 'u3p', 'last'));
    // resnet: decoder stages at levels 1, 2 and the deepest level 3 -> main + 2 side heads + presence.
    assert.deepEqual(model.outputs.map((o) => o.shape.length), [4, 4, 4, 2]);
    model.dispose();
  });
});
