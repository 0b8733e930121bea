/**
 * The training loop: a custom loop (never `model.fit`), dataset-wide validation every epoch, `last` and `best`
 * checkpoints, `metrics.jsonl`, sample PNGs, resume, and a clean stop that saves before exiting.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { EvalResult, TrainEvent } from '../protocol';
import { ResolvedConfig } from '../config/load';
import { paramCount } from '../models/registry';
import { learningRateAt } from './schedule';
import { checkpointDir, loadModel, readState, restoreOptimizer, saveCheckpoint, TrainerState, writeTextAtomic } from './checkpoint';
import { evaluate } from './evaluate';
import { writeSamplesPng } from './samplesPng';
import { sampleMasks } from './sampleMasks';
import { classColor } from '../export/overlay';
import { disposeBatch } from './batches';
import { TrainBatches } from './trainBatches';
import { describeAugment } from './augmentConfig';
import { prepareRun, PreparedRun } from './prepare';
import { UserFacingError } from './errors';
import { withSeededRandom } from './seeded';
import { StepContext, trainStep } from './step';
import { mixSeed } from '../data/rng';
import { appendMetrics, readMetrics } from './metricsLog';

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


/** Mutable progress of one training session (this process), beside the persisted {@link TrainerState}. */
class Session {
  readonly started = Date.now();
  readonly startStep: number;
  readonly startEpoch: number;
  private readonly t0: number;

  constructor(state: TrainerState) {
    this.startStep = state.globalStep;
    this.startEpoch = state.epoch + 1;
    this.t0 = this.started - state.elapsedSeconds * 1000;
  }

  /** Seconds of training in the whole run, earlier sessions included. */
  elapsed(): number {
    return (Date.now() - this.t0) / 1000;
  }

  /** Steps per second in this session. */
  stepRate(globalStep: number): number {
    return (globalStep - this.startStep) / Math.max(1e-6, (Date.now() - this.started) / 1000);
  }
}

/** One run's loop: the steps of an epoch, then validation, checkpoints, metrics and sample PNGs. */
class Trainer {
  private readonly optimizer: tf.Optimizer;
  private readonly step: StepContext;
  private readonly batches: TrainBatches;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  state: TrainerState;

  constructor(
    private readonly run: PreparedRun,
    private readonly emit: Emit,
    private readonly shouldStop: () => boolean,
  ) {
    const t = run.cfg.train;
    this.optimizer = makeOptimizer(run.cfg);
    this.step = { model: run.model, objective: run.objective, weightDecay: t.optimizer.weightDecay, padStride: run.padStride };
    this.stepsPerEpoch = t.stepsPerEpoch ?? Math.max(1, Math.ceil(run.train.length / t.batchSize));
    this.totalSteps = this.stepsPerEpoch * t.epochs;
    this.batches = new TrainBatches(run, this.stepsPerEpoch);
    this.state = run.resumeFrom
      ? readState(run.resumeFrom)
      : { epoch: 0, globalStep: 0, stepInEpoch: 0, partialLossSum: 0, bestMIoU: null, bestEpoch: null, backend: run.backend, elapsedSeconds: 0 };
  }

  private lrAt(step: number): number {
    const t = this.run.cfg.train;
    return learningRateAt(t.schedule, t.optimizer.lr, step, this.totalSteps, this.stepsPerEpoch);
  }

  private save(which: 'last' | 'best'): Promise<void> {
    return saveCheckpoint(path.join(this.run.runDir, which), this.run.model, this.optimizer, this.state);
  }

  /** Runs the remaining steps of `epoch`; returns the loss sum and steps done, and whether a stop was asked. */
  private async runSteps(epoch: number, session: Session): Promise<{ lossSum: number; steps: number; stopped: boolean }> {
    const firstStep = epoch === this.state.epoch + 1 ? this.state.stepInEpoch : 0;
    let lossSum = firstStep > 0 ? this.state.partialLossSum : 0;
    let steps = firstStep;
    const epochStart = Date.now();
    const batchSize = this.run.cfg.train.batchSize;
    let s = firstStep;
    for await (const batch of this.batches.epoch(epoch, firstStep, this.stepsPerEpoch)) {
      const lr = this.lrAt(this.state.globalStep);
      setLearningRate(this.optimizer, lr);
      let loss: number;
      try {
        // Dropout draws from Math.random: seeding it per step keeps runs (and resumed runs) reproducible. The
        // step's tensor work runs synchronously, before its first await, so it all sees the seeded generator.
        const seed = mixSeed(this.run.cfg.train.seed, this.state.globalStep);
        const frozen = epoch <= this.run.cfg.train.freezeEncoderEpochs;
        loss = await withSeededRandom(seed, () => trainStep(this.step, this.optimizer, batch, frozen));
      } finally {
        disposeBatch(batch);
      }
      if (!Number.isFinite(loss)) {
        throw new UserFacingError(
          `loss became ${loss} at epoch ${epoch}, step ${s + 1} (lr ${lr.toExponential(2)}): lower train.optimizer.lr, ` +
            'check the labels (values below data.classes or the ignore index) and the normalisation',
        );
      }
      lossSum += loss;
      steps++;
      this.state = { ...this.state, globalStep: this.state.globalStep + 1 };
      this.emit({
        type: 'step',
        epoch,
        step: s + 1,
        stepsPerEpoch: this.stepsPerEpoch,
        globalStep: this.state.globalStep,
        loss,
        lr,
        imagesPerSecond: ((s + 1 - firstStep) * batchSize) / Math.max(1e-6, (Date.now() - epochStart) / 1000),
        etaSeconds: (this.totalSteps - this.state.globalStep) / session.stepRate(this.state.globalStep),
      });
      // A step's awaits resolve as microtasks (WASM never yields to the event loop), so without this a stop
      // request (IPC message, SIGINT) would only be read at the end of the epoch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.shouldStop()) return { lossSum, steps, stopped: true };
      s++;
    }
    return { lossSum, steps, stopped: false };
  }

  /** Validation, checkpoints, metrics.jsonl and the sample PNG at the end of `epoch`. */
  private async endEpoch(epoch: number, lossSum: number, steps: number, epochStart: number, session: Session): Promise<EvalResult> {
    const { cfg, runDir } = this.run;
    const ev = await evaluate(this.run.model, this.run.val, this.run.evalPrep, {
      batchSize: cfg.train.batchSize,
      classes: this.run.classes,
      classNames: this.run.classNames,
      ignoreIndex: this.run.ignoreIndex,
      keep: this.run.sampleIndices,
    });
    const isBest = this.state.bestMIoU === null || ev.result.mIoU > this.state.bestMIoU;
    this.state = {
      ...this.state,
      epoch,
      stepInEpoch: 0,
      partialLossSum: 0,
      elapsedSeconds: session.elapsed(),
      bestMIoU: isBest ? ev.result.mIoU : this.state.bestMIoU,
      bestEpoch: isBest ? epoch : this.state.bestEpoch,
    };
    await this.save('last');
    if (isBest) await this.save('best');
    const samplesPng = cfg.train.samples > 0 ? await writeSamplesPng(this.run, epoch, ev.kept) : null;
    const samples = cfg.train.samples > 0 ? await sampleMasks(this.run.val, ev.kept) : [];
    const seconds = (Date.now() - epochStart) / 1000;
    const trainLoss = lossSum / Math.max(1, steps);
    const r = ev.result;
    appendMetrics(path.join(runDir, 'metrics.jsonl'), {
      epoch,
      trainLoss,
      lr: this.lrAt(this.state.globalStep - 1),
      mIoU: r.mIoU,
      batchMeanIoU: r.batchMeanIoU,
      perClassIoU: r.perClassIoU,
      pixelAccuracy: r.pixelAccuracy,
      meanClassAccuracy: r.meanClassAccuracy,
      seconds,
      elapsedSeconds: this.state.elapsedSeconds,
      isBest,
    });
    const epochs = cfg.train.epochs;
    this.emit({
      type: 'epochEnd',
      epoch,
      epochs,
      trainLoss,
      val: r,
      isBest,
      seconds,
      elapsedSeconds: this.state.elapsedSeconds,
      etaSeconds: ((Date.now() - session.started) / 1000 / (epoch - session.startEpoch + 1)) * (epochs - epoch),
      samplesPng,
      samples,
    });
    return r;
  }

  async train(): Promise<void> {
    if (this.run.resumeFrom) await restoreOptimizer(this.run.resumeFrom, this.optimizer);
    const { cfg, runDir } = this.run;
    this.emit({
      type: 'runStart',
      runDir,
      arch: cfg.model.arch,
      params: paramCount(this.run.model),
      trainCount: this.run.train.length,
      valCount: this.run.val.length,
      epochs: cfg.train.epochs,
      stepsPerEpoch: this.stepsPerEpoch,
      startEpoch: this.state.epoch + 1,
      classNames: this.run.classNames,
      inputSize: this.run.inputSize,
      batchSize: cfg.train.batchSize,
      normalize: this.run.normalize,
      memory: this.run.memory,
      palette: this.run.classNames.map((_, c) => classColor(c)),
      ignoreIndex: this.run.ignoreIndex,
      encoderName: cfg.model.encoderName ?? null,
      history: readMetrics(path.join(runDir, 'metrics.jsonl'))
        .rows.filter((r) => r.epoch <= this.state.epoch)
        .map((r) => ({ epoch: r.epoch, trainLoss: r.trainLoss, mIoU: r.mIoU })),
    });
    const w = this.batches.workers;
    this.emit({ type: 'log', level: 'info', message: `loader: ${w ? `${w} worker thread${w > 1 ? 's' : ''}` : 'in the training thread'}, augmentation ${describeAugment(cfg.train.augment)}` });
    const session = new Session(this.state);
    let last: EvalResult | null = null;
    let stopped = false;
    for (let epoch = this.state.epoch + 1; epoch <= cfg.train.epochs && !stopped; epoch++) {
      const epochStart = Date.now();
      const done = await this.runSteps(epoch, session);
      stopped = done.stopped;
      if (stopped && done.steps < this.stepsPerEpoch) {
        // Mid-epoch: save where we are; a resume continues at the next step with the same batches.
        this.state = { ...this.state, stepInEpoch: done.steps, partialLossSum: done.lossSum, elapsedSeconds: session.elapsed() };
        await this.save('last');
        break;
      }
      last = await this.endEpoch(epoch, done.lossSum, done.steps, epochStart, session);
      stopped = stopped || this.shouldStop();
    }
    this.emit({
      type: 'runEnd',
      status: stopped ? 'stopped' : 'completed',
      runDir,
      epochsDone: this.state.epoch,
      bestMIoU: this.state.bestMIoU,
      bestEpoch: this.state.bestEpoch,
      last,
      elapsedSeconds: session.elapsed(),
    });
  }

  async dispose(): Promise<void> {
    this.optimizer.dispose();
    await this.batches.dispose();
  }
}

/** Trains per `run` (see {@link prepareRun}); `shouldStop` is polled after every step. */
export async function train(run: PreparedRun, emit: Emit, shouldStop: () => boolean): Promise<void> {
  const trainer = new Trainer(run, emit, shouldStop);
  try {
    await trainer.train();
  } finally {
    await trainer.dispose();
  }
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
