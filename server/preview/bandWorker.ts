/**
 * A second copy of a model on its own thread (worker_threads; the thread is bandThread.ts), so a single-threaded
 * backend (wasm, cpu) can predict two bands of an image on two cores at once. The thread gets the parent's model
 * serialised in memory (topology + weights: the same pruned model, not the checkpoint files, which may have
 * changed since) and the parent's backend name, and predicts bands with infer/cropped.ts's BandExecutor. It
 * holds no event loop open while idle, and `dispose()` ends it.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { WASM_THREADS_ENV } from '../backend/wasmThreads';
import type { SplitAxis } from '../infer/bands';
import { serialiseModel } from '../train/checkpoint';

export type Shape4 = [number, number, number, number];

/** One band: output rows [outStart, outEnd) along `axis` of a whole input of `length`, from input rows starting at `start`. */
export interface BandRequest {
  /** The band's input rows, NHWC of `shape`; its buffer is transferred to the thread. */
  readonly input: Float32Array;
  readonly shape: Shape4;
  readonly axis: SplitAxis;
  readonly start: number;
  readonly length: number;
  readonly outStart: number;
  readonly outEnd: number;
}

/** What the thread starts with (workerData). */
export interface BandThreadData {
  readonly backend: string;
  readonly topology: object;
  readonly weightSpecs: tf.io.WeightsManifestEntry[];
  readonly weightData: ArrayBuffer;
}

/** parent → thread. */
export type ToBandThread = { readonly type: 'predict'; readonly id: number; readonly band: BandRequest };

/** thread → parent. */
export type FromBandThread =
  /** `detail`: the ladder's line for the thread's backend, e.g. "wasm (SIMD, 1 thread, training kernels added)". */
  | { readonly type: 'ready'; readonly backend: string; readonly detail: string }
  | { readonly type: 'result'; readonly id: number; readonly data: Float32Array; readonly shape: number[] }
  | { readonly type: 'failed'; readonly id: number; readonly message: string }
  /** The thread could not start (backend, model) and exits. */
  | { readonly type: 'fatal'; readonly message: string };

/** Path of the compiled thread entry. */
export const BAND_THREAD_PATH = path.join(__dirname, 'bandThread.js');

/** One prediction: the first output's logits and their NHWC shape. */
export interface Logits {
  readonly data: Float32Array;
  readonly shape: number[];
}

/** The topology and weights of `model`, as `model.save` produces them, in one buffer. */
export async function modelArtifacts(model: tf.LayersModel): Promise<Omit<BandThreadData, 'backend'>> {
  const m = await serialiseModel(model);
  return { topology: m.topology, weightSpecs: m.weightSpecs, weightData: m.weights.buffer as ArrayBuffer };
}

interface Pending {
  readonly resolve: (r: Logits) => void;
  readonly reject: (e: Error) => void;
}

export interface BandWorkerOptions {
  /** Called once when the thread stops on its own (crash, start failure), not after dispose(). */
  readonly onFailure?: (message: string) => void;
  readonly threadPath?: string;
}

/** The thread holding the second copy of a model. */
export class BandWorker {
  /** Resolves when the thread answers predictions; rejects (with the reason) when it could not start. */
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private state: 'starting' | 'ready' | 'stopped' = 'starting';
  private stopReason = '';
  /** The thread's backend, as the ladder describes it; empty until ready. */
  backendDetail = '';

  private constructor(data: BandThreadData, private readonly opts: BandWorkerOptions) {
    // The band is the second core's work: its backend stays on one thread (a threaded wasm would compete with this one).
    const env = { ...process.env, [WASM_THREADS_ENV]: '1' };
    this.worker = new Worker(opts.threadPath ?? BAND_THREAD_PATH, { workerData: data, transferList: [data.weightData], env });
    this.worker.unref(); // an idle or starting thread never keeps the process alive
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (m: FromBandThread) => {
        if (m.type === 'ready') {
          this.state = 'ready';
          this.backendDetail = m.detail;
          resolve();
        } else if (m.type === 'fatal') {
          this.stop(`the band thread could not start: ${m.message}`, true);
          reject(new Error(this.stopReason));
        } else {
          this.settle(m);
        }
      });
      this.worker.on('error', (err) => this.stop(`the band thread failed: ${err.message.split('\n')[0]}`, true));
      this.worker.on('exit', (code) => {
        this.stop(`the band thread exited (code ${code})`, true);
        reject(new Error(this.stopReason));
      });
    });
    this.ready.catch(() => undefined); // callers that never wait on it are told through onFailure
  }

  /** Starts a thread with a copy of `model` on the tfjs backend `backend` (the ladder's name: 'wasm', 'cpu', ...). */
  static async start(model: tf.LayersModel, backend: string, opts: BandWorkerOptions = {}): Promise<BandWorker> {
    return new BandWorker({ backend, ...(await modelArtifacts(model)) }, opts);
  }

  /** True once the thread answers predictions and until it stops. */
  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** The first output's logits for one band; the input's buffer is transferred (unusable here afterwards). */
  predict(band: BandRequest): Promise<Logits> {
    if (this.state !== 'ready') return Promise.reject(new Error(this.state === 'stopped' ? this.stopReason : 'the band thread is still starting'));
    const id = this.nextId++;
    const msg: ToBandThread = { type: 'predict', id, band };
    return new Promise<Logits>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage(msg, [band.input.buffer as ArrayBuffer]);
    });
  }

  private settle(m: Extract<FromBandThread, { type: 'result' | 'failed' }>): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.worker.unref();
    if (m.type === 'result') p.resolve({ data: m.data, shape: m.shape });
    else p.reject(new Error(`the band thread could not predict: ${m.message}`));
  }

  /** Marks the thread stopped and fails what is pending; `unexpected` reports it through onFailure. */
  private stop(reason: string, unexpected: boolean): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.stopReason = reason;
    for (const p of this.pending.values()) p.reject(new Error(reason));
    this.pending.clear();
    if (unexpected) this.opts.onFailure?.(reason);
  }

  /** Ends the thread; pending predictions fail. */
  dispose(): void {
    this.stop('the band thread was stopped', false);
    void this.worker.terminate();
  }
}
