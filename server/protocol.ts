/**
 * Every message that crosses a process boundary in SegLab. No tfjs import: the CLI, the extension and the
 * webviews import this file without loading TensorFlow.js.
 *
 * Directions:
 * - trainer → parent: {@link TrainEvent}, sent by the training child process (`server/train/worker.ts`) over
 *   Node IPC to whoever forked it (the CLI, or the extension's server).
 * - parent → trainer: {@link TrainerCommand}.
 */

/** One class's figure, `null` where the class is absent from ground truth and prediction over the whole set. */
export type PerClass = (number | null)[];

/** Dataset-wide validation result (one confusion matrix accumulated over every validation pixel). */
export interface EvalResult {
  /** nanmean of {@link perClassIoU}. */
  readonly mIoU: number;
  readonly perClassIoU: PerClass;
  readonly perClassDice: PerClass;
  readonly pixelAccuracy: number;
  readonly meanClassAccuracy: number;
  /** The mean of per-batch mIoU values: what per-batch metric averaging reports. Shown beside, never instead. */
  readonly batchMeanIoU: number;
  /** One line saying why {@link mIoU} and {@link batchMeanIoU} differ. */
  readonly explanation: string;
  /** Confusion counts, rows = ground truth, columns = prediction. */
  readonly confusion: number[][];
  readonly classNames: readonly string[];
  readonly images: number;
}

export interface BackendEvent {
  readonly type: 'backend';
  readonly name: string;
  readonly detail: string;
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

export interface RunStartEvent {
  readonly type: 'runStart';
  readonly runDir: string;
  readonly arch: string;
  readonly params: { readonly trainable: number; readonly nonTrainable: number };
  readonly trainCount: number;
  readonly valCount: number;
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  /** 1-based epoch the run starts at (> 1 when resuming). */
  readonly startEpoch: number;
  readonly classNames: readonly string[];
  readonly inputSize: readonly [number, number];
  readonly batchSize: number;
  /** Normalisation in use (0-1 scale), so the user sees what the data went through. */
  readonly normalize: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly memory: { readonly estimatedBytes: number; readonly limitBytes: number | null };
}

export interface StepEvent {
  readonly type: 'step';
  readonly epoch: number;
  readonly step: number;
  readonly stepsPerEpoch: number;
  readonly globalStep: number;
  readonly loss: number;
  readonly lr: number;
  readonly imagesPerSecond: number;
  readonly etaSeconds: number;
}

export interface EpochEndEvent {
  readonly type: 'epochEnd';
  readonly epoch: number;
  readonly epochs: number;
  readonly trainLoss: number;
  readonly val: EvalResult;
  readonly isBest: boolean;
  readonly seconds: number;
  readonly elapsedSeconds: number;
  readonly etaSeconds: number;
  /** Sample PNG (image | ground truth | prediction) written for this epoch, if any. */
  readonly samplesPng: string | null;
}

export interface RunEndEvent {
  readonly type: 'runEnd';
  readonly status: 'completed' | 'stopped';
  readonly runDir: string;
  readonly epochsDone: number;
  readonly bestMIoU: number | null;
  readonly bestEpoch: number | null;
  readonly last: EvalResult | null;
  readonly elapsedSeconds: number;
}

export interface ErrorEvent {
  readonly type: 'error';
  /** 'user': bad config/data/memory request, printed without a stack; 'internal': a bug. */
  readonly kind: 'user' | 'internal';
  readonly message: string;
  readonly stack?: string;
}

export interface LogEvent {
  readonly type: 'log';
  readonly level: 'info' | 'warn';
  readonly message: string;
}

export interface EvalDoneEvent {
  readonly type: 'evalDone';
  readonly result: EvalResult;
  readonly predictionsDir: string | null;
}

export interface PredictDoneEvent {
  readonly type: 'predictDone';
  readonly files: readonly { readonly input: string; readonly mask: string; readonly overlay: string }[];
}

/** trainer → parent. */
export type TrainEvent =
  | BackendEvent
  | RunStartEvent
  | StepEvent
  | EpochEndEvent
  | RunEndEvent
  | EvalDoneEvent
  | PredictDoneEvent
  | ErrorEvent
  | LogEvent;

/** The jobs a trainer child process runs. Paths are absolute. */
export type TrainerJob =
  /** Only select a backend and report it (the `backend` event), e.g. `seglab backends`. */
  | { readonly kind: 'backends'; readonly backend?: string }
  | { readonly kind: 'train'; readonly configPath: string | null; readonly cwd: string; readonly backend?: string; readonly resumeRunDir?: string }
  | {
      readonly kind: 'eval';
      readonly runDir: string;
      /** Evaluate on this config's validation data instead of the run's own. */
      readonly configPath?: string;
      readonly checkpoint: 'best' | 'last';
      readonly backend?: string;
      readonly savePredictionsDir?: string;
    }
  | {
      readonly kind: 'predict';
      readonly runDir: string;
      readonly checkpoint: 'best' | 'last';
      readonly backend?: string;
      readonly inputs: readonly string[];
      readonly outDir: string;
    };

/** parent → trainer. */
export type TrainerCommand =
  | { readonly type: 'start'; readonly job: TrainerJob }
  /** Finish the current step, save `last`, and exit cleanly. */
  | { readonly type: 'stop' };

/** Checks that an IPC payload is a {@link TrainEvent} (type field among the known ones). */
export function isTrainEvent(v: unknown): v is TrainEvent {
  const types = ['backend', 'runStart', 'step', 'epochEnd', 'runEnd', 'evalDone', 'predictDone', 'error', 'log'];
  return typeof v === 'object' && v !== null && types.includes((v as { type?: unknown }).type as string);
}
