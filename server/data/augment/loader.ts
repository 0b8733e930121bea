/**
 * A batch loader that decodes and augments in worker threads and keeps a prefetch queue of ready batches.
 *
 *   const loader = await BatchLoader.open({ source: packSamples(train), recipe, workers: 2 });
 *   for await (const b of loader.batches(requests)) { ...tf.tensor4d(b.x, [b.size, b.height, b.width, b.channels]) }
 *   await loader.dispose();
 *
 * Batches arrive in request order whatever worker finishes first, and their bytes depend only on (indices, seed)
 * — the same with 0, 1 or 8 workers. `workers: 0` builds batches in this thread (same code, no threads). A
 * per-batch error (a corrupt file) rejects that batch with the worker's error (DataErrors keep their file); a
 * worker that dies rejects its pending batches and the loader carries on with the others.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
// sharp's docs: on glibc Linux the main thread must load sharp before worker threads that use it are created.
import 'sharp';
import { Batch, batchBuilder, BatchRecipe, BatchRequest } from './batch';
import { BatchJob, fromWire, WorkerInit, WorkerReply } from './loaderProtocol';
import { openSource, OpenedSource, SampleSource } from './source';

/** The compiled worker script, next to this file in out/server/data/augment/. */
export const WORKER_FILE = path.join(__dirname, 'loaderWorker.js');

export interface LoaderOptions {
  readonly source: SampleSource;
  readonly recipe: BatchRecipe;
  /** Worker threads; 0 builds batches in this thread. Default: CPU cores - 1 (at least 1, at most 4). */
  readonly workers?: number;
  /** Batches requested ahead of the consumer; default 2 per worker (at least 2). */
  readonly prefetch?: number;
}

interface Slot {
  readonly index: number;
  readonly worker: Worker;
  inFlight: number;
  dead: boolean;
}

interface Pending {
  readonly resolve: (b: Batch) => void;
  readonly reject: (e: Error) => void;
  readonly slot: Slot;
}

const DISPOSED = 'the batch loader was disposed';

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, os.cpus().length - 1));
}

export class BatchLoader {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  private exited = 0;

  private constructor(
    /** Number of samples in the source. */
    readonly length: number,
    private readonly slots: readonly Slot[],
    private readonly local: { source: OpenedSource; build: ReturnType<typeof batchBuilder> } | null,
    readonly prefetch: number,
  ) {
    for (const slot of slots) this.watch(slot);
  }

  /** Starts the workers and waits until each has opened the source; throws what a worker could not open. */
  static async open(o: LoaderOptions): Promise<BatchLoader> {
    const count = o.workers ?? defaultWorkerCount();
    if (!Number.isInteger(count) || count < 0) throw new Error(`loader: workers must be a whole number >= 0, got ${JSON.stringify(count)}`);
    const prefetch = o.prefetch ?? Math.max(2, 2 * count);
    if (count === 0) {
      const build = batchBuilder(o.recipe);
      const source = await openSource(o.source);
      return new BatchLoader(source.length, [], { source, build }, prefetch);
    }
    const init: WorkerInit = { source: o.source, recipe: o.recipe };
    const workers = Array.from({ length: count }, () => new Worker(WORKER_FILE, { workerData: init }));
    try {
      const lengths = await Promise.all(workers.map(waitReady));
      return new BatchLoader(lengths[0], workers.map((worker, index) => ({ index, worker, inFlight: 0, dead: false })), null, prefetch);
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
  }

  /** Worker threads still running. */
  get liveWorkers(): number {
    return this.slots.length - this.exited;
  }

  /** Builds one batch. */
  load(request: BatchRequest): Promise<Batch> {
    if (this.disposed) return Promise.reject(new Error(DISPOSED));
    if (this.local) {
      const { source, build } = this.local;
      return Promise.all(request.indices.map((i) => source.get(i))).then((samples) => build(samples, request));
    }
    const live = this.slots.filter((s) => !s.dead);
    if (live.length === 0) return Promise.reject(new Error('loader: every worker has stopped; see the earlier error'));
    const slot = live.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const id = this.nextId++;
    return new Promise<Batch>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.inFlight++;
      slot.worker.postMessage({ type: 'batch', id, request } satisfies BatchJob);
    });
  }

  /** Yields the batches of `requests` in order, keeping up to `prefetch` of them in flight. */
  async *batches(requests: Iterable<BatchRequest>): AsyncGenerator<Batch> {
    const it = requests[Symbol.iterator]();
    const queue: Promise<Batch>[] = [];
    const fill = () => {
      while (queue.length < this.prefetch) {
        const next = it.next();
        if (next.done) return;
        const p = this.load(next.value);
        p.catch(() => undefined); // rejections reach the consumer when it gets there, never as unhandled
        queue.push(p);
      }
    };
    fill();
    while (queue.length > 0) {
      const batch = await (queue.shift() as Promise<Batch>);
      fill();
      yield batch;
    }
  }

  /** Stops the workers; pending and later requests reject. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.pending.values()) p.reject(new Error(DISPOSED));
    this.pending.clear();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private watch(slot: Slot): void {
    const { worker } = slot;
    worker.on('message', (m: WorkerReply) => {
      if (m.type !== 'batch' && m.type !== 'error') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      slot.inFlight--;
      if (m.type === 'batch') p.resolve(m.batch);
      else p.reject(fromWire(m.error));
    });
    const fail = (why: string) => {
      if (slot.dead) return;
      slot.dead = true;
      for (const [id, p] of this.pending) {
        if (p.slot !== slot) continue;
        this.pending.delete(id);
        p.reject(new Error(`loader worker ${slot.index} ${why}`));
      }
    };
    worker.on('error', (err) => fail(`crashed: ${err.message}`));
    worker.on('exit', (code) => {
      this.exited++;
      if (!this.disposed) fail(`exited unexpectedly (code ${code})`);
    });
  }
}

/** Resolves with the sample count when the worker reports ready; rejects with its fatal error. */
function waitReady(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerReply) => {
      if (m.type === 'ready') done(() => resolve(m.length));
      else if (m.type === 'fatal') done(() => reject(fromWire(m.error)));
    };
    const onError = (err: Error) => done(() => reject(new Error(`loader worker failed to start: ${err.message}`)));
    const onExit = (code: number) => done(() => reject(new Error(`loader worker exited during start-up (code ${code})`)));
    const done = (f: () => void) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      f();
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
