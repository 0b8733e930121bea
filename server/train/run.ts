/**
 * The training loop: a custom loop (never `model.fit`), dataset-wide validation every epoch, `last` and `best`
 * checkpoints, `metrics.jsonl`, sample PNGs, resume, and a clean stop that saves before exiting.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EvalResult, TrainEvent } from '../protocol';
import { ResolvedConfig } from '../config/load';
import { combinedLoss } from '../losses';
import { paramCount } from '../models/registry';
import { learningRateAt } from './schedule';
import { checkpointDir, loadModel, readState, restoreOptimizer, saveCheckpoint, TrainerState, writeTextAtomic } from './checkpoint';
import { evaluate } from './evaluate';
import { writeSamplesPng } from './samplesPng';
import { TrainSampler } from './batches';
import { prepareRun, PreparedRun } from './prepare';
import { UserFacingError } from './errors';

/** Emits an event to the parent process (or a test). */
export type Emit = (e: TrainEvent) => void;

function makeOptimizer(cfg: ResolvedConfig): tf.Optimizer {
  const o = cfg.train.optimizer;
  return o.type === 'adam' ? tf.train.adam(o.lr) : tf.train.momentum(o.lr, o.momentum);
}

function setLearningRate(opt: tf.Optimizer, lr: number): void {
  if (opt instanceof tf.AdamOptimizer) (opt as unknown as { learningRate: number }).learningRate = lr;
  else (opt as tf.MomentumOptimizer).setLearningRate(lr);
}

/** One optimisation step; returns the loss value. Everything but the variables is freed. */
async function trainStep(
  run: PreparedRun,
  optimizer: tf.Optimizer,
  lossFn: (logits: tf.Tensor, labels: tf.Tensor) => tf.Scalar,
  x: tf.Tensor4D,
  y: tf.Tensor3D,
): Promise<number> {
  const vars = run.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const wd = run.cfg.train.optimizer.weightDecay;
  const loss = optimizer.minimize(
    () => {
      const logits = run.model.apply(x, { training: true }) as tf.Tensor;
      let l = lossFn(logits, y);
      if (wd > 0) l = tf.add(l, tf.mul(wd / 2, tf.addN(vars.map((v) => tf.sum(tf.square(v)))))) as tf.Scalar;
      return l;
    },
    true,
    vars,
  );
  try {
    return (await loss!.data())[0];
  } finally {
    loss!.dispose();
  }
}

function appendMetrics(runDir: string, row: object): void {
  fs.appendFileSync(path.join(runDir, 'metrics.jsonl'), JSON.stringify(row) + '\n');
}

/** Trains per `run` (see {@link prepareRun}); `shouldStop` is polled after every step. */
export async function train(run: PreparedRun, emit: Emit, shouldStop: () => boolean): Promise<void> {
  const { cfg, runDir } = run;
  const optimizer = makeOptimizer(cfg);
  const lossFn = combinedLoss(run.lossTerms);
  const stepsPerEpoch = cfg.train.stepsPerEpoch ?? Math.max(1, Math.ceil(run.train.length / cfg.train.batchSize));
  const epochs = cfg.train.epochs;
  const totalSteps = stepsPerEpoch * epochs;

  let state: TrainerState = {
    epoch: 0,
    globalStep: 0,
    stepInEpoch: 0,
    partialLossSum: 0,
    bestMIoU: null,
    bestEpoch: null,
    backend: run.backend,
    elapsedSeconds: 0,
  };
  if (run.resumeFrom) {
    state = readState(run.resumeFrom);
    await restoreOptimizer(run.resumeFrom, optimizer);
  }
  const sampler = new TrainSampler(run, stepsPerEpoch);
  const params = paramCount(run.model);
  emit({
    type: 'runStart',
    runDir,
    arch: cfg.model.arch,
    params,
    trainCount: run.train.length,
    valCount: run.val.length,
    epochs,
    stepsPerEpoch,
    startEpoch: state.epoch + 1,
    classNames: run.classNames,
    inputSize: run.inputSize,
    batchSize: cfg.train.batchSize,
    normalize: run.normalize,
    memory: run.memory,
  });

  const sessionStart = Date.now();
  const startStep = state.globalStep;
  const startEpoch = state.epoch + 1;
  const t0 = sessionStart - state.elapsedSeconds * 1000;
  const elapsed = (): number => (Date.now() - t0) / 1000;
  let last: EvalResult | null = null;
  let stopped = false;
  for (let epoch = state.epoch + 1; epoch <= epochs && !stopped; epoch++) {
    const epochStart = Date.now();
    // A run stopped mid-epoch resumes at the step it stopped at.
    const firstStep = epoch === state.epoch + 1 ? state.stepInEpoch : 0;
    let lossSum = firstStep > 0 ? state.partialLossSum : 0;
    let steps = firstStep;
    for (let s = firstStep; s < stepsPerEpoch; s++) {
      const lr = learningRateAt(cfg.train.schedule, cfg.train.optimizer.lr, state.globalStep, totalSteps, stepsPerEpoch);
      setLearningRate(optimizer, lr);
      const { x, y } = sampler.batch(epoch, s);
      let loss: number;
      try {
        loss = await trainStep(run, optimizer, lossFn, x, y);
      } finally {
        x.dispose();
        y.dispose();
      }
      if (!Number.isFinite(loss)) {
        throw new UserFacingError(
          `loss became ${loss} at epoch ${epoch}, step ${s + 1} (lr ${lr.toExponential(2)}): lower train.optimizer.lr, ` +
            'check the labels (values below data.classes or the ignore index) and the normalisation',
        );
      }
      lossSum += loss;
      steps++;
      state = { ...state, globalStep: state.globalStep + 1 };
      const rate = (state.globalStep - startStep) / Math.max(1e-6, (Date.now() - sessionStart) / 1000);
      emit({
        type: 'step',
        epoch,
        step: s + 1,
        stepsPerEpoch,
        globalStep: state.globalStep,
        loss,
        lr,
        imagesPerSecond: ((s + 1) * cfg.train.batchSize) / Math.max(1e-6, (Date.now() - epochStart) / 1000),
        etaSeconds: (totalSteps - state.globalStep) / rate,
      });
      if (shouldStop()) {
        stopped = true;
        break;
      }
    }
    if (stopped && steps < stepsPerEpoch) {
      state = { ...state, stepInEpoch: steps, partialLossSum: lossSum, elapsedSeconds: elapsed() };
      await saveCheckpoint(path.join(runDir, 'last'), run.model, optimizer, state);
      break;
    }
    const ev = await evaluate(run.model, run.val, run.evalPrep, {
      batchSize: cfg.train.batchSize,
      classes: run.classes,
      classNames: run.classNames,
      ignoreIndex: run.ignoreIndex,
      keep: run.sampleIndices,
    });
    last = ev.result;
    const isBest = state.bestMIoU === null || ev.result.mIoU > state.bestMIoU;
    state = {
      ...state,
      epoch,
      stepInEpoch: 0,
      partialLossSum: 0,
      elapsedSeconds: elapsed(),
      bestMIoU: isBest ? ev.result.mIoU : state.bestMIoU,
      bestEpoch: isBest ? epoch : state.bestEpoch,
    };
    await saveCheckpoint(path.join(runDir, 'last'), run.model, optimizer, state);
    if (isBest) await saveCheckpoint(path.join(runDir, 'best'), run.model, optimizer, state);
    const samplesPng = cfg.train.samples > 0 ? await writeSamplesPng(run, epoch, ev.kept) : null;
    const seconds = (Date.now() - epochStart) / 1000;
    const etaSeconds = ((Date.now() - sessionStart) / 1000 / (epoch - startEpoch + 1)) * (epochs - epoch);
    appendMetrics(runDir, {
      epoch,
      trainLoss: lossSum / Math.max(1, steps),
      lr: learningRateAt(cfg.train.schedule, cfg.train.optimizer.lr, state.globalStep - 1, totalSteps, stepsPerEpoch),
      mIoU: ev.result.mIoU,
      batchMeanIoU: ev.result.batchMeanIoU,
      perClassIoU: ev.result.perClassIoU,
      pixelAccuracy: ev.result.pixelAccuracy,
      meanClassAccuracy: ev.result.meanClassAccuracy,
      seconds,
      elapsedSeconds: state.elapsedSeconds,
      isBest,
    });
    emit({
      type: 'epochEnd',
      epoch,
      epochs,
      trainLoss: lossSum / Math.max(1, steps),
      val: ev.result,
      isBest,
      seconds,
      elapsedSeconds: state.elapsedSeconds,
      etaSeconds,
      samplesPng,
    });
    if (shouldStop()) stopped = true;
  }
  emit({
    type: 'runEnd',
    status: stopped ? 'stopped' : 'completed',
    runDir,
    epochsDone: state.epoch,
    bestMIoU: state.bestMIoU,
    bestEpoch: state.bestEpoch,
    last,
    elapsedSeconds: elapsed(),
  });
  optimizer.dispose();
}


/** Finds the checkpoint to resume from inside a run folder. */
export function resumeCheckpoint(runDir: string): string {
  const dir = checkpointDir(path.join(runDir, 'last'));
  if (!dir) {
    throw new UserFacingError(
      `${runDir}: no checkpoint to resume from (expected ${path.join(runDir, 'last', 'state.json')}); ` +
        'a run saves `last` at the end of each epoch and when stopped',
    );
  }
  return dir;
}

export { prepareRun, loadModel, writeTextAtomic, UserFacingError };
