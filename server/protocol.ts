/**
 * Every message that crosses a process boundary in SegLab. No tfjs import: the CLI, the extension and the
 * webviews import this file without loading TensorFlow.js.
 *
 * Three links, each documented where its messages are declared:
 * - trainer ⇄ parent (Node IPC): {@link TrainEvent} from the training child process (`server/train/worker.ts`) to
 *   whoever forked it (the CLI, or the server process); {@link TrainerCommand} the other way.
 * - extension ⇄ server (JSON-RPC over Node IPC, vscode-jsonrpc): requests and notifications in the "JSON-RPC"
 *   section below; the server is `server/rpc/main.ts`, the client `extension/serverClient.ts`.
 * - extension ⇄ dashboard webview (postMessage): {@link ToDashboard} and {@link FromDashboard}.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { ExportConfig, InferConfig } from './config/schema';

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
  /** Overlay colour of each class (RGB 0-255), the same as in the sample PNGs; the ignore index is white. */
  readonly palette: readonly (readonly [number, number, number])[];
  readonly ignoreIndex: number;
  /** `model.encoderName`, or null for the classic U-Net. */
  readonly encoderName: string | null;
  /** Epochs finished before this session (a resumed run), from metrics.jsonl; empty for a new run. */
  readonly history: readonly { readonly epoch: number; readonly trainLoss: number; readonly mIoU: number }[];
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

/**
 * One validation image with its ground truth and prediction, for the dashboard's sample view. Downscaled so the
 * longer side is at most {@link SAMPLE_MAX_SIDE} (nearest neighbour, so masks keep exact class ids).
 */
export interface SampleMask {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  /** The image as a base64 PNG (RGB), without the data-URI prefix. */
  readonly imagePng: string;
  /** Ground-truth class ids, one byte per pixel row-major, base64; the ignore index stays as is. */
  readonly gt: string;
  /** Predicted class ids, same layout as {@link gt}. */
  readonly pred: string;
}

/** Longest side of a {@link SampleMask}. */
export const SAMPLE_MAX_SIDE = 256;

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
  /** The same samples as raw masks, for overlays drawn by the dashboard (empty when `train.samples` is 0). */
  readonly samples: readonly SampleMask[];
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
      /** Overrides of the run's `infer` settings (mode, crop, stride, TTA). */
      readonly infer?: Partial<InferConfig>;
    }
  | {
      readonly kind: 'predict';
      readonly runDir: string;
      readonly checkpoint: 'best' | 'last';
      readonly backend?: string;
      readonly inputs: readonly string[];
      readonly outDir: string;
      /** Overrides of the run's `infer` settings (mode, crop, stride, TTA). */
      readonly infer?: Partial<InferConfig>;
      /** Overrides of the run's `export` settings (formats, CSV size, overlay alpha). */
      readonly export?: Partial<ExportConfig>;
    };

/** parent → trainer. */
export type TrainerCommand =
  | { readonly type: 'start'; readonly job: TrainerJob }
  /** Finish the current step, save `last`, and exit cleanly. */
  | { readonly type: 'stop' };

/** Checks that an IPC payload is a {@link TrainEvent} (type field among the known ones). */
export function isTrainEvent(v: unknown): v is TrainEvent {
  return hasType(v, ['backend', 'runStart', 'step', 'epochEnd', 'runEnd', 'evalDone', 'predictDone', 'error', 'log']);
}

// ---------------------------------------------------------------------------------------------------------------
// JSON-RPC: extension (client) ⇄ server process (`server/rpc/main.ts`), over the Node IPC channel of the fork.
// ---------------------------------------------------------------------------------------------------------------

/** Identifies a job inside one server process ("job-1", "job-2", ...). */
export type JobId = string;

export interface StartJobParams {
  readonly job: TrainerJob;
}
export interface StartJobResult {
  readonly jobId: JobId;
}
/**
 * client → server: start a trainer job in a fresh child process. Rejected (ResponseError, message for the user)
 * while a train or eval job is running: one at a time, the CPU is the bottleneck.
 */
export const StartJobRequest = new RequestType<StartJobParams, StartJobResult, void>('seglab/startJob');

export interface StopJobParams {
  readonly jobId: JobId;
}
export interface StopJobResult {
  /** False when no such job was running. */
  readonly stopping: boolean;
}
/** client → server: ask a job to finish its step, save `last` and exit (its `jobExit` follows). */
export const StopJobRequest = new RequestType<StopJobParams, StopJobResult, void>('seglab/stopJob');

/** A run folder summarised for the runs table (from run.json, config.json and metrics.jsonl). */
export interface RunSummary {
  readonly runDir: string;
  readonly name: string;
  readonly arch: string;
  readonly encoderName: string | null;
  readonly params: number;
  readonly backend: string;
  readonly createdAt: string;
  readonly epochsDone: number;
  readonly bestMIoU: number | null;
  readonly bestEpoch: number | null;
  /** Sum of epoch durations. */
  readonly seconds: number;
  readonly classNames: readonly string[];
  /** One point per finished epoch. */
  readonly curve: readonly { readonly epoch: number; readonly trainLoss: number; readonly mIoU: number }[];
  /** Set when the folder could not be read completely (e.g. a corrupt metrics line); the rest is still shown. */
  readonly problem: string | null;
}
export interface ListRunsParams {
  readonly runsDir: string;
}
export interface ListRunsResult {
  readonly runs: readonly RunSummary[];
}
/** client → server: summarise every run folder under `runsDir`, newest first. */
export const ListRunsRequest = new RequestType<ListRunsParams, ListRunsResult, void>('seglab/listRuns');

export interface CheckDatasetParams {
  /** Absolute path of a seglab.json, or null for the embedded default. */
  readonly configPath: string | null;
  readonly cwd: string;
}
export interface CheckDatasetResult {
  /** The report as `seglab data check` prints it. */
  readonly report: string;
  readonly problems: number;
}
/** client → server: check a config's dataset (counts, sizes, classes, suspicious images). */
export const CheckDatasetRequest = new RequestType<CheckDatasetParams, CheckDatasetResult, void>('seglab/checkDataset');

/** client → server: stop every job (each saves `last`), then exit. The client does not restart it. */
export const ShutdownRequest = new RequestType0<void, void>('seglab/shutdown');

export interface JobEventParams {
  readonly jobId: JobId;
  readonly event: TrainEvent;
}
/** server → client: an event of a running job, as the trainer child emitted it. */
export const JobEventNotification = new NotificationType<JobEventParams>('seglab/jobEvent');

export interface JobExitParams {
  readonly jobId: JobId;
  readonly ok: boolean;
  readonly code: number | null;
  readonly signal: string | null;
  /** A message for the user when the trainer died without reporting an error itself. */
  readonly crash: string | null;
}
/** server → client: a job's child process has exited; no event for that job follows. */
export const JobExitNotification = new NotificationType<JobExitParams>('seglab/jobExit');

export interface LogParams {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}
/** server → client: a line for the "SegLab" output channel. */
export const LogNotification = new NotificationType<LogParams>('seglab/log');

export interface FatalParams {
  readonly message: string;
  readonly stack: string | null;
}
/** server → client: the server hit an uncaught exception and exits right after this. */
export const FatalNotification = new NotificationType<FatalParams>('seglab/fatal');

// ---------------------------------------------------------------------------------------------------------------
// Dashboard webview ⇄ extension (postMessage). Checked on receipt with isToDashboard / isFromDashboard.
// ---------------------------------------------------------------------------------------------------------------

/** What the status bar and dashboard say the server is doing. */
export type JobPhase = 'idle' | 'starting' | 'training' | 'evaluating' | 'stopping' | 'interrupted' | 'failed';

export interface JobStatus {
  readonly phase: JobPhase;
  readonly backend: string | null;
  readonly epoch: number | null;
  readonly epochs: number | null;
  readonly lastMIoU: number | null;
  readonly runDir: string | null;
  /** Why the job failed or was interrupted. */
  readonly message: string | null;
}

/** extension → dashboard. */
export type ToDashboard =
  /** A live event of the current job. */
  | { readonly type: 'trainEvent'; readonly jobId: JobId; readonly event: TrainEvent }
  /** Everything of the current (or last) job so far, sent when the page (re)loads; replaces the page's state. */
  | { readonly type: 'replay'; readonly jobId: JobId | null; readonly events: readonly TrainEvent[] }
  | { readonly type: 'status'; readonly status: JobStatus }
  | { readonly type: 'runs'; readonly runs: readonly RunSummary[] }
  /** The latest sanity verdict of a model module (the Sanity view: steps, mini loss curve, prediction). */
  | { readonly type: 'sanity'; readonly verdict: SanityVerdict };

/** dashboard → extension. */
export type FromDashboard =
  /** The page's script has loaded and wants a replay, the status and the runs table. */
  | { readonly type: 'ready' }
  | { readonly type: 'refreshRuns' }
  /** A button in the page: run one of the SegLab commands. */
  | { readonly type: 'command'; readonly command: 'stop' | 'resume' | 'train' };

const TO_DASHBOARD = ['trainEvent', 'replay', 'status', 'runs', 'sanity'];
const FROM_DASHBOARD = ['ready', 'refreshRuns', 'command'];

function hasType(v: unknown, types: readonly string[]): boolean {
  return typeof v === 'object' && v !== null && types.includes((v as { type?: unknown }).type as string);
}

/** Checks a message received by the dashboard page. */
export function isToDashboard(v: unknown): v is ToDashboard {
  return hasType(v, TO_DASHBOARD);
}

/** Checks a message received from the dashboard page (the page is untrusted input). */
export function isFromDashboard(v: unknown): v is FromDashboard {
  if (!hasType(v, FROM_DASHBOARD)) return false;
  const m = v as { type: string; command?: unknown };
  return m.type !== 'command' || m.command === 'stop' || m.command === 'resume' || m.command === 'train';
}

// ---------------------------------------------------------------------------------------------------------------
// Sanity runs: extension (client) ⇄ server (JSON-RPC). The server runs each one in a warm worker process with a
// time budget and a memory cap (server/sanity/runner.ts), so nothing in a user's model module can take it down.
// ---------------------------------------------------------------------------------------------------------------

/** The steps of a sanity run, in the order they run and are reported. */
export const SANITY_STEPS = ['transpile', 'data', 'build', 'summary', 'forward', 'overfit', 'gradients', 'leaks'] as const;
export type SanityStepName = (typeof SANITY_STEPS)[number];

export interface SanityStepReport {
  readonly name: SanityStepName;
  /** 'failed': the step found an error; 'warning': only warnings; 'skipped': an earlier failure made it pointless. */
  readonly status: 'ok' | 'warning' | 'failed' | 'skipped';
  readonly seconds: number;
  /** One line, e.g. "1,942,306 params · output [2,64,64,2]". */
  readonly detail: string;
}

/** What a {@link SanityDiagnostic} is about (stable: the extension may key quick fixes on it). */
export type SanityDiagnosticCode =
  | 'config'
  | 'syntax'
  | 'resolve'
  | 'no-build'
  | 'build-error'
  | 'runtime-error'
  | 'concat-mismatch'
  | 'merge-mismatch'
  | 'output-shape'
  | 'output-channels'
  | 'double-softmax'
  | 'bounded-logits'
  | 'nan-loss'
  | 'loss-not-falling'
  | 'dead-layer'
  | 'tensor-leak'
  | 'time-budget'
  | 'out-of-memory'
  | 'crashed';

/** A problem at a place in the user's own source (mapped through the source map), for Problems and squiggles. */
export interface SanityDiagnostic {
  /** Absolute path: the model module, a file it imports, or the seglab.json. */
  readonly file: string;
  /** 1-based line and column of the start. */
  readonly line: number;
  readonly column: number;
  /** 1-based, exclusive end (the end of the token or line) when known. */
  readonly endLine?: number;
  readonly endColumn?: number;
  readonly severity: 'error' | 'warning';
  readonly code: SanityDiagnosticCode;
  readonly message: string;
}

/**
 * How a sanity run ended: 'passed' (every step ok, warnings allowed), 'failed' (a check failed; see diagnostics),
 * 'timeout' (exceeded the time budget), 'oom' (ran out of memory), 'crashed' (the worker died), 'cancelled' (a
 * newer run or a sanityCancel replaced it).
 */
export type SanityStatus = 'passed' | 'failed' | 'timeout' | 'oom' | 'crashed' | 'cancelled';

/** The complete sanity settings a run used (config `sanity` section, request overrides, defaults). */
export interface SanitySettingsUsed {
  readonly size: readonly [number, number];
  readonly batchSize: number;
  readonly steps: number;
  readonly timeBudgetSeconds: number;
  readonly memoryLimitMb: number;
}

export interface SanityVerdict {
  readonly runId: string;
  readonly status: SanityStatus;
  /** One line for the CodeLens or a notification, e.g. "exceeded 30 s" or the first error's message. */
  readonly message: string;
  /** Absolute path of the model module checked ('' when the config names none). */
  readonly module: string;
  /** The module and every local file it imports (absolute; from the bundle): what a watcher should watch. */
  readonly files: readonly string[];
  /** Request received → verdict, in seconds (what the user waits after a save). */
  readonly seconds: number;
  /** One report per step that ran or was skipped, in {@link SANITY_STEPS} order. */
  readonly steps: readonly SanityStepReport[];
  readonly diagnostics: readonly SanityDiagnostic[];
  readonly params: { readonly trainable: number; readonly nonTrainable: number } | null;
  /** The main output's shape on the sanity batch, and what the loss needs: [N, H, W, classes]. */
  readonly outputShape: readonly (number | null)[] | null;
  readonly expectedShape: readonly number[] | null;
  /** Loss of each optimisation step on the sanity batch (computed before that step's update). */
  readonly losses: readonly number[];
  /** The first sanity image, its labels and the prediction after the steps, for the dashboard's Sanity view. */
  readonly sample: SampleMask | null;
  readonly settings: SanitySettingsUsed;
  /** TensorFlow.js backend of the worker, e.g. "wasm"; null when the run never reached it. */
  readonly backend: string | null;
}

export interface SanityRunParams {
  /** Absolute path of a seglab.json, or null for the built-in default (synthetic data). */
  readonly configPath: string | null;
  readonly cwd: string;
  /** Absolute path of the model module to check; default: the config's `model.module`. */
  readonly modulePath?: string;
  /** The client's id for this run, echoed in progress notifications and the verdict; default "sanity-<n>". */
  readonly runId?: string;
  /** Overrides of the config's `sanity` section. */
  readonly settings?: {
    readonly size?: number | readonly [number, number];
    readonly batchSize?: number;
    readonly steps?: number;
    readonly timeBudgetSeconds?: number;
    readonly memoryLimitMb?: number;
  };
}
/**
 * client → server: check a model module (transpile → … → tensor-leak check) and answer with the verdict. A run
 * already in flight is cancelled (its own request answers with status 'cancelled'). Problems in the user's code
 * are never errors of the request: they are in the verdict.
 */
export const SanityRunRequest = new RequestType<SanityRunParams, SanityVerdict, void>('seglab/sanityRun');

export interface SanityCancelParams {
  /** Cancel only this run; omitted: whichever run is in flight. */
  readonly runId?: string;
}
export interface SanityCancelResult {
  /** False when no (matching) run was in flight. */
  readonly cancelled: boolean;
}
/** client → server: cancel the sanity run in flight (e.g. the module was edited again before its verdict). */
export const SanityCancelRequest = new RequestType<SanityCancelParams, SanityCancelResult, void>('seglab/sanityCancel');

export interface SanityProgressParams {
  readonly runId: string;
  readonly step: SanityStepReport;
}
/** server → client: a step of the sanity run in flight has finished (sent before the verdict). */
export const SanityProgressNotification = new NotificationType<SanityProgressParams>('seglab/sanityProgress');

// ---------------------------------------------------------------------------------------------------------------
// Previews: extension (client) ⇄ server (JSON-RPC), and extension ⇄ preview webview (postMessage). The server runs
// each model in a warm predictor process per (run, checkpoint) (server/preview/pool.ts) and caches results on disk
// under `<runDir>/.preview-cache/`.
// ---------------------------------------------------------------------------------------------------------------

/** Longest side of the arrays in a {@link PreviewResult} (the prediction itself is made at full resolution). */
export const PREVIEW_MAX_SIDE = 1024;

/** 'whole': one pass over the padded image; 'slide': sliding windows of the training size (large images). */
export type PreviewMode = 'whole' | 'slide';

export interface PreviewParams {
  /** Absolute path of the image. */
  readonly imagePath: string;
  /** Absolute path of a run folder (run.json, config.json, best/, last/). */
  readonly runDir: string;
  readonly checkpoint: 'best' | 'last';
  /** Default: 'slide' when a side exceeds 1.5× the training size, else 'whole'. */
  readonly mode?: PreviewMode;
  /** Default {@link PREVIEW_MAX_SIDE}. */
  readonly maxSide?: number;
  /** False: neither read nor write the disk cache (benchmarks). Default true. */
  readonly cache?: boolean;
  /** Also write an overlay thumbnail (longest side this many pixels) into the cache folder (hovers). */
  readonly thumbnailSide?: number;
  /** tfjs backend of the predictor process (as `seglab.backend`); default 'auto' (the ladder). */
  readonly backend?: string;
}

export interface PreviewResult {
  readonly imagePath: string;
  readonly runDir: string;
  readonly checkpoint: 'best' | 'last';
  /** Size of {@link imagePng}, {@link pred}, {@link confidence} and {@link gt} (longest side ≤ maxSide). */
  readonly width: number;
  readonly height: number;
  /** The image's own size. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** The image as a base64 PNG (RGB), without the data-URI prefix. */
  readonly imagePng: string;
  /** Predicted class ids, one byte per pixel row-major, base64. */
  readonly pred: string;
  /** Max softmax probability per pixel scaled to 0–255, same layout as {@link pred}. */
  readonly confidence: string;
  readonly classNames: readonly string[];
  /** Overlay colour of each class (RGB 0-255), as in the dashboard. */
  readonly palette: readonly (readonly [number, number, number])[];
  readonly ignoreIndex: number;
  /** Ground-truth class ids (same layout as {@link pred}; the ignore index stays), or null without ground truth. */
  readonly gt: string | null;
  /** The mask file or COCO annotations file the ground truth came from. */
  readonly gtSource: string | null;
  /** Why there is no ground truth although the run's dataset might have had one (e.g. a bad mask), else null. */
  readonly gtProblem: string | null;
  /** IoU per class on this image at full resolution (ignore pixels excluded); null entries: class absent from both. */
  readonly perClassIoU: PerClass | null;
  /** Share of the image's pixels predicted as each class (0-1). */
  readonly classShares: readonly number[];
  /** The inference actually used. */
  readonly mode: PreviewMode | 'overlapTile';
  readonly backend: string;
  /** Request → result, in the server. */
  readonly seconds: number;
  /** True when the result came from the disk cache. */
  readonly cached: boolean;
  /** The overlay thumbnail (PNG) asked for with {@link PreviewParams.thumbnailSide}, else null. */
  readonly thumbnailPath: string | null;
}
/**
 * client → server: predict one image with a run's checkpoint (warm predictor process, disk cache). Bad input
 * (unreadable image, a model that cannot take it, no checkpoint yet) answers a user error naming the file and the fix.
 */
export const PreviewRequest = new RequestType<PreviewParams, PreviewResult, void>('seglab/preview');

/**
 * A model the preview page offers: one checkpoint of one run, or the latest sanity model of a model module (a run
 * folder `<runsDir>/.sanity/<module file>-<hash>/` with a 'last' checkpoint, rewritten after each sanity run).
 */
export interface PreviewModelChoice {
  readonly runDir: string;
  readonly checkpoint: 'best' | 'last';
  /** e.g. "isbi2012 · best (mIoU 0.8123 @ epoch 5)" or "sanity · unet.ts (5 steps, loss 0.69 → 0.41)". */
  readonly label: string;
}

/** extension → preview page. */
export type ToPreview =
  /** The models to pick from and the one in use (null: none available; the page says how to get one). */
  | { readonly type: 'models'; readonly models: readonly PreviewModelChoice[]; readonly selected: PreviewModelChoice | null }
  /** A prediction is being made (the page keeps the previous one visible). */
  | { readonly type: 'loading'; readonly message: string }
  | { readonly type: 'result'; readonly result: PreviewResult }
  /** The prediction failed: the page shows `message` in #error (never a blank panel). */
  | { readonly type: 'error'; readonly message: string };

/** preview page → extension. */
export type FromPreview =
  | { readonly type: 'ready' }
  | { readonly type: 'selectModel'; readonly runDir: string; readonly checkpoint: 'best' | 'last' }
  | { readonly type: 'refresh' };

/** Checks a message received by the preview page. */
export function isToPreview(v: unknown): v is ToPreview {
  return hasType(v, ['models', 'loading', 'result', 'error']);
}

/** Checks a message received from the preview page (the page is untrusted input). */
export function isFromPreview(v: unknown): v is FromPreview {
  if (!hasType(v, ['ready', 'selectModel', 'refresh'])) return false;
  const m = v as { type: string; runDir?: unknown; checkpoint?: unknown };
  return m.type !== 'selectModel' || (typeof m.runDir === 'string' && (m.checkpoint === 'best' || m.checkpoint === 'last'));
}
