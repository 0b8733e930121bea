/**
 * A Predictor that splits large inputs into two bands predicted at once, one here and one on a band thread
 * (bandWorker.ts), for single-threaded backends (wasm, cpu) on machines with a second core. The split is exact
 * (infer/bands.ts bounds the receptive field; infer/cropped.ts runs each layer on the rows the band needs), so
 * the logits equal a whole-input pass up to float rounding. Inputs too small for the split to pay, models whose
 * receptive field is unbounded, and the time before the thread is up all go through the model here as usual.
 * A thread that fails is dropped with a log line and its band predicted here: a preview never fails because of it.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { Band, bandGeometry, BandGeometry, bandShape, cutBand, planBands, SplitAxis, stitchBands } from '../infer/bands';
import { activeWasmThreads } from '../backend/wasmThreads';
import { BandExecutor } from '../infer/cropped';
import type { InferenceModel, Predictor } from '../infer/fused';
import { BandRequest, BandWorker, Logits, Shape4 } from './bandWorker';

/** Backends that use one core per process (wasm unless threaded: see defaultBandThreads): the ones a band thread speeds up. */
const SINGLE_THREADED_BACKENDS = new Set(['wasm', 'cpu']);

/** Environment variable overriding the number of band threads (0 turns them off; the benchmark compares). */
export const BAND_THREADS_ENV = 'SEGLAB_PREVIEW_BAND_THREADS';

/** What a band thread offers (BandWorker; tests use fakes). */
export interface BandRunner {
  readonly isReady: boolean;
  predict(band: BandRequest): Promise<Logits>;
  dispose(): void;
}

export interface BandedOptions {
  /** The parent's backend as the ladder names it ('wasm', 'cpu', ...): threads only for single-threaded ones. */
  readonly backend: string;
  /** Band threads to use (0 = never split); default {@link defaultBandThreads}. Only 1 is used today. */
  readonly threads?: number;
  /** Smallest input (height × width) worth splitting; default 256 × 256. */
  readonly minPixels?: number;
  /** Split only when the larger band, with a halo of the receptive radius, reads at most this share of the input; default 0.85. */
  readonly maxShare?: number;
  readonly log?: (message: string) => void;
  /** Starts the thread (default: a BandWorker with a copy of the model). */
  readonly startRunner?: (model: tf.LayersModel, backend: string, onFailure: (message: string) => void) => Promise<BandRunner>;
}

/**
 * 1 when the machine has a second core the backend leaves idle, else 0 (a wasm backend on several threads already
 * uses the cores, and is faster that way: one 512×512 preview 1.08 s against 1.39 s for two single-threaded
 * bands, bench of 2026-11-28). Also 0 when the model runs our wasm inference kernels (`inferenceKernels`: the bands
 * run tfjs' convolutions, and two of them took 1.47 s against 0.93 s for the kernels on one thread, same day).
 * `SEGLAB_PREVIEW_BAND_THREADS` overrides.
 */
export function defaultBandThreads(env: NodeJS.ProcessEnv = process.env, cores = os.availableParallelism(), backendThreads = activeWasmThreads(), inferenceKernels = false): number {
  const v = env[BAND_THREADS_ENV];
  if (v !== undefined && v.trim() !== '') {
    const n = Number(v);
    if (Number.isInteger(n) && n >= 0) return n;
  }
  return cores >= 2 && backendThreads <= 1 && !inferenceKernels ? 1 : 0;
}

/**
 * The axis to split (the longer one first) and its two output bands, or null when splitting does not pay: a
 * small input, or halos of the receptive radius that leave too little gain (the bands actually read less: see
 * infer/cropped.ts).
 */
export function chooseSplit(
  shape: readonly number[],
  geometry: (axis: SplitAxis) => BandGeometry | null,
  minPixels: number,
  maxShare: number,
): { axis: SplitAxis; bands: Band[] } | null {
  const [, h, w] = shape;
  if (h * w < minPixels) return null;
  for (const axis of (w > h ? [2, 1] : [1, 2]) as SplitAxis[]) {
    const g = geometry(axis);
    const len = shape[axis];
    if (!g || len % g.stride !== 0) continue;
    const bands = planBands(len, g.stride, g.radius, 2);
    if (bands.length === 2 && Math.max(...bands.map((b) => b.inEnd - b.inStart)) <= maxShare * len) return { axis, bands };
  }
  return null;
}

const defaultStart = async (model: tf.LayersModel, backend: string, onFailure: (m: string) => void): Promise<BandRunner> => {
  const w = await BandWorker.start(model, backend, { onFailure });
  await w.ready;
  return w;
};

export class BandedPredictor implements Predictor {
  private readonly geometry = new Map<SplitAxis, BandGeometry | null>();
  private readonly executors = new Map<SplitAxis, BandExecutor | null>();
  private runner: BandRunner | null = null;
  /** Set once a thread was started (or refused): it is never restarted for this model. */
  private started = false;
  private disposed = false;
  private readonly threads: number;

  constructor(
    private readonly inner: InferenceModel,
    private readonly model: tf.LayersModel,
    private readonly opts: BandedOptions,
  ) {
    this.threads = SINGLE_THREADED_BACKENDS.has(opts.backend) ? (opts.threads ?? defaultBandThreads(process.env, undefined, undefined, inner.winogradConvs > 0)) : 0;
  }

  predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] {
    return this.inner.predict(x);
  }

  /** The first output's logits for an NHWC input: two bands on two threads when that pays, else one pass here. */
  async predictLogits(input: Float32Array, shape: readonly [number, number, number, number]): Promise<Logits> {
    const split = this.threads > 0 ? chooseSplit(shape, (a) => this.geometryOf(a), this.opts.minPixels ?? 256 * 256, this.opts.maxShare ?? 0.85) : null;
    const exec = split ? this.executorOf(split.axis) : null;
    if (exec) this.startThread();
    const runner = this.runner;
    if (!split || !exec || !runner?.isReady) return this.local(input, [...shape]);
    const [first, second] = split.bands.map((b) => this.request(exec, input, shape, b));
    const remote = runner.predict(second);
    remote.catch(() => undefined); // handled below, after the local band
    const a = this.band(exec, first);
    let b: Logits;
    try {
      b = await remote;
    } catch (err) {
      this.drop((err as Error).message);
      b = this.band(exec, this.request(exec, input, shape, split.bands[1]));
    }
    const outShape: Shape4 = [shape[0], shape[1], shape[2], a.shape[3]];
    const parts = [a, b].map((r, i) => {
      const { outStart, outEnd } = split.bands[i];
      return { band: { inStart: outStart, inEnd: outEnd, outStart, outEnd }, data: r.data };
    });
    return { data: stitchBands(parts, outShape, split.axis), shape: outShape };
  }

  /** The input rows band `b`'s output rows need, cut from `input`. */
  private request(exec: BandExecutor, input: Float32Array, shape: readonly number[], b: Band): BandRequest {
    const length = shape[exec.axis];
    const [start, end] = exec.inputRange(length, b.outStart, b.outEnd);
    const band = { inStart: start, inEnd: end, outStart: b.outStart, outEnd: b.outEnd };
    return { input: cutBand(input, shape, exec.axis, start, end), shape: bandShape(shape, exec.axis, band), axis: exec.axis, start, length, outStart: b.outStart, outEnd: b.outEnd };
  }

  /** One band predicted here. */
  private band(exec: BandExecutor, r: BandRequest): Logits {
    const y = tf.tidy(() => exec.predict(tf.tensor4d(r.input, r.shape), r.start, r.length, r.outStart, r.outEnd));
    try {
      return { data: y.dataSync() as Float32Array, shape: y.shape.slice() };
    } finally {
      y.dispose();
    }
  }

  /** True while a band thread answers. */
  get threaded(): boolean {
    return this.runner?.isReady === true;
  }

  private geometryOf(axis: SplitAxis): BandGeometry | null {
    if (!this.geometry.has(axis)) this.geometry.set(axis, bandGeometry(this.model, axis));
    return this.geometry.get(axis) ?? null;
  }

  private executorOf(axis: SplitAxis): BandExecutor | null {
    if (!this.executors.has(axis)) this.executors.set(axis, BandExecutor.create(this.model, this.inner.plan, axis));
    return this.executors.get(axis) ?? null;
  }

  private async local(input: Float32Array, shape: number[]): Promise<Logits> {
    const y = tf.tidy(() => {
      const out = this.inner.predict(tf.tensor4d(input, shape as Shape4));
      return Array.isArray(out) ? out[0] : out;
    });
    try {
      return { data: (await y.data()) as Float32Array, shape: y.shape.slice() };
    } finally {
      y.dispose();
    }
  }

  /** Starts the band thread once, in the background; predictions go through here until it is up. */
  private startThread(): void {
    if (this.started || this.disposed) return;
    this.started = true;
    const start = this.opts.startRunner ?? defaultStart;
    start(this.model, this.opts.backend, (m) => this.drop(m)).then(
      (runner) => {
        if (this.disposed) runner.dispose();
        else this.runner = runner;
      },
      (err: unknown) => {
        if (!this.disposed) this.opts.log?.(`preview: no band thread (${(err as Error).message}); predicting on one thread`);
      },
    );
  }

  /** Drops a failed thread for good (for this model), with a log line. */
  private drop(reason: string): void {
    if (this.disposed) return;
    if (this.runner) this.opts.log?.(`preview: ${reason}; predicting on one thread from now on`);
    this.runner?.dispose();
    this.runner = null;
  }

  /** Ends the band thread (the models themselves belong to the caller). */
  dispose(): void {
    this.disposed = true;
    this.runner?.dispose();
    this.runner = null;
  }
}
