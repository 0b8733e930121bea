import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkpointDir, loadModel, readState, restoreOptimizer, saveCheckpoint, TrainerState } from './checkpoint';
import { createModel } from '../models/registry';

const state: TrainerState = {
  epoch: 3,
  globalStep: 30,
  stepInEpoch: 0,
  partialLossSum: 0,
  bestMIoU: 0.5,
  bestEpoch: 2,
  backend: 'cpu',
  elapsedSeconds: 12,
};

function tinyUnet(): tf.LayersModel {
  return createModel(
    {
      arch: 'unet',
      inChannels: 1,
      classes: 2,
      encoderDepth: 1,
      baseFilters: 2,
      padding: 'same',
      decoderUseBatchnorm: true,
      batchNormMomentum: 0.9,
      upsampling: 'transpose',
      dropout: 0,
    },
    [null, null],
  );
}

async function adamStep(model: tf.LayersModel, opt: tf.Optimizer, x: tf.Tensor): Promise<void> {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = opt.minimize(() => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, true, vars);
  loss?.dispose();
}

test('a checkpoint round-trips weights, BatchNorm statistics, Adam state and trainer state', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-ckpt-'));
  const x = tf.randomNormal([2, 4, 4, 1], 0, 1, 'float32', 7);
  const a = tinyUnet();
  const optA = tf.train.adam(0.01);
  await adamStep(a, optA, x);
  await saveCheckpoint(path.join(dir, 'last'), a, optA, state);
  assert.deepEqual(fs.readdirSync(dir), ['last']); // no temp or old folder left behind
  const b = await loadModel(path.join(dir, 'last'));
  const optB = tf.train.adam(0.01);
  await restoreOptimizer(path.join(dir, 'last'), optB);
  assert.deepEqual(readState(path.join(dir, 'last')), state);
  // Same weights and statistics: identical inference output.
  const pa = a.predict(x) as tf.Tensor;
  const pb = b.predict(x) as tf.Tensor;
  assert.deepEqual(await pa.data(), await pb.data());
  // Same optimizer state: one more identical step gives identical weights.
  await adamStep(a, optA, x);
  await adamStep(b, optB, x);
  const wa = a.getWeights();
  const wb = b.getWeights();
  for (let i = 0; i < wa.length; i++) assert.deepEqual(await wa[i].data(), await wb[i].data(), `weight ${i}`);
  tf.dispose([x, pa, pb]);
  a.dispose();
  b.dispose();
  optA.dispose();
  optB.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('saving twice replaces the folder; an interrupted swap falls back to the previous copy', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-ckpt-'));
  const m = tinyUnet();
  const opt = tf.train.adam(0.01);
  await saveCheckpoint(path.join(dir, 'last'), m, opt, state);
  await saveCheckpoint(path.join(dir, 'last'), m, opt, { ...state, epoch: 4 });
  assert.equal(readState(path.join(dir, 'last')).epoch, 4);
  // Simulate a crash between "move old aside" and "rename new in".
  fs.renameSync(path.join(dir, 'last'), path.join(dir, 'last.old'));
  assert.equal(checkpointDir(path.join(dir, 'last')), path.join(dir, 'last.old'));
  fs.rmSync(path.join(dir, 'last.old'), { recursive: true });
  assert.equal(checkpointDir(path.join(dir, 'last')), null);
  m.dispose();
  opt.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('restoring into a different optimizer type says so', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-ckpt-'));
  const m = tinyUnet();
  const opt = tf.train.adam(0.01);
  await saveCheckpoint(path.join(dir, 'last'), m, opt, state);
  const sgd = tf.train.momentum(0.01, 0.9);
  await assert.rejects(restoreOptimizer(path.join(dir, 'last'), sgd), /optimizer is Adam but the config asks for Momentum/);
  m.dispose();
  opt.dispose();
  sgd.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});
