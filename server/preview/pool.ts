/**
 * Warm predictor processes, one per (run, checkpoint), so the model is loaded once and the server never loads
 * tfjs: at most `maxWorkers` live at a time (the least recently used idle one makes room), each is ended after
 * `idleMs` without requests, and one that dies (out of memory, a crash) fails its pending requests with a message
 * and is replaced on the next request.
 */
import { fork, ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { CachedPreview } from './cache';
import type { PredictRequest } from './predictor';
import type { CheckpointName } from './runModel';
import { isFromPredictor, FromPredictor, ToPredictor } from './workerProtocol';
import { UserFacingError } from '../train/errors';

/** Path of the compiled predictor entry point. */
export const PREDICTOR_WORKER_PATH = path.join(__dirname, 'worker.js');

export interface PredictorPoolOptions {
  readonly workerPath?: string;
  /** tfjs backend of the predictors ('auto' walks the ladder). */
  readonly backend?: string;
  readonly maxWorkers?: number;
  readonly idleMs?: number;
  readonly startupTimeoutMs?: number;
  /** JavaScript heap cap of each predictor. */
  readonly memoryLimitMb?: number;
  readonly log?: (message: string) => void;
}

interface Pending {
  readonly resolve: (r: CachedPreview) => void;
  readonly reject: (e: Error) => void;
}

type Ready = { backend: string } | { error: Error };

function toError(m: { kind: 'user' | 'internal'; message: string }): Error {
  return m.kind === 'user' ? new UserFacingError(m.message) : new Error(`internal error in the preview process: ${m.message} (details in the SegLab log)`);
}

/** One predictor process and its requests in flight. */
class PredictorProcess {
  readonly proc: ChildProcess;
  readonly ready: Promise<Ready>;
  readonly pending = new Map<number, Pending>();
  lastUsed = Date.now();
  /** Order of last use (a counter: timestamps tie within a millisecond). */
  useOrder = 0;
  exited = false;
  private waiting = 0;
  private stderrTail = '';
  private nextId = 1;

  constructor(
    readonly runDir: string,
    readonly checkpoint: CheckpointName,
    opts: PredictorPoolOptions,
    onExit: () => void,
  ) {
    this.proc = fork(opts.workerPath ?? PREDICTOR_WORKER_PATH, [], {
      execArgv: [`--max-old-space-size=${opts.memoryLimitMb ?? 4096}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.proc.stderr?.on('data', (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-4000)));
    this.ready = new Promise<Ready>((resolve) => {
      const timer = setTimeout(() => resolve({ error: new Error(`the preview process did not start within ${(opts.startupTimeoutMs ?? 120_000) / 1000} s`) }), opts.startupTimeoutMs ?? 120_000);
      this.proc.on('message', (m: unknown) => {
        if (!isFromPredictor(m)) return;
        if ((m.type === 'failed' || m.type === 'fatal') && m.stack) opts.log?.(`preview process: ${m.stack}`);
        if (m.type === 'ready' || m.type === 'fatal') clearTimeout(timer);
        if (m.type === 'ready') resolve({ backend: m.backend });
        else if (m.type === 'fatal') resolve({ error: toError(m) });
        else this.settle(m);
      });
      this.proc.on('exit', (code, signal) => {
        this.exited = true;
        clearTimeout(timer);
        const crash = new UserFacingError(this.describeExit(code, signal));
        resolve({ error: crash });
        for (const p of this.pending.values()) p.reject(crash);
        this.pending.clear();
        onExit();
      });
    });
    this.send({ type: 'init', runDir, checkpoint, backend: opts.backend ?? 'auto' });
  }

  private describeExit(code: number | null, signal: NodeJS.Signals | null): string {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const oom = /heap limit|out of memory|allocation failed|abort/i.test(this.stderrTail);
    const hint = oom ? ': it ran out of memory (a very large image? try a smaller one or the sliding-window mode)' : '';
    return `the preview process for ${path.basename(this.runDir)} (${this.checkpoint}) ${how}${hint}; the next preview starts a fresh one`;
  }

  private settle(m: Extract<FromPredictor, { type: 'result' | 'failed' }>): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    this.lastUsed = Date.now();
    if (m.type === 'result') p.resolve(m.result);
    else p.reject(toError(m));
  }

  private send(m: ToPredictor): void {
    if (this.proc.connected) this.proc.send(m);
  }

  /** Requests accepted and not answered yet (also those waiting for start-up). */
  get active(): number {
    return this.waiting + this.pending.size;
  }

  async request(request: PredictRequest): Promise<CachedPreview> {
    this.lastUsed = Date.now();
    this.waiting++;
    let r: Ready;
    try {
      r = await this.ready;
    } finally {
      this.waiting--;
    }
    if ('error' in r) throw r.error;
    const id = this.nextId++;
    return new Promise<CachedPreview>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ type: 'predict', id, request });
    });
  }

  kill(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}

export class PredictorPool {
  private readonly procs = new Map<string, PredictorProcess>();
  private readonly timer: NodeJS.Timeout;
  private disposed = false;
  private uses = 0;

  constructor(private readonly opts: PredictorPoolOptions = {}) {
    const idleMs = opts.idleMs ?? 10 * 60_000;
    this.timer = setInterval(() => this.endIdle(idleMs), Math.min(60_000, idleMs));
    this.timer.unref();
  }

  /** Pids of the live predictors by "runDir|checkpoint|backend" (tests). */
  get pids(): Map<string, number | undefined> {
    return new Map([...this.procs].map(([k, p]) => [k, p.proc.pid]));
  }

  /**
   * Predicts with the (warm) predictor of `runDir`'s `checkpoint` on `backend` (default: the pool's), starting it
   * when needed.
   */
  predict(runDir: string, checkpoint: CheckpointName, request: PredictRequest, backend?: string): Promise<CachedPreview> {
    if (this.disposed) return Promise.reject(new Error('the preview pool was disposed'));
    return this.processFor(runDir, checkpoint, backend ?? this.opts.backend ?? 'auto').request(request);
  }

  private processFor(runDir: string, checkpoint: CheckpointName, backend: string): PredictorProcess {
    const key = `${runDir}|${checkpoint}|${backend}`;
    const known = this.procs.get(key);
    if (known && !known.exited) {
      known.useOrder = ++this.uses;
      return known;
    }
    this.makeRoom();
    const p: PredictorProcess = new PredictorProcess(runDir, checkpoint, { ...this.opts, backend }, () => {
      if (this.procs.get(key) === p) this.procs.delete(key);
    });
    p.useOrder = ++this.uses;
    this.procs.set(key, p);
    this.opts.log?.(`preview process started for ${runDir} (${checkpoint}, backend ${backend}), pid ${p.proc.pid}`);
    return p;
  }

  /** Ends the least recently used idle predictor while the pool is full. */
  private makeRoom(): void {
    const max = this.opts.maxWorkers ?? 2;
    while (this.procs.size >= max) {
      const idle = [...this.procs].filter(([, p]) => p.active === 0).sort((a, b) => a[1].useOrder - b[1].useOrder);
      if (!idle.length) return;
      this.end(idle[0][0]);
    }
  }

  private end(key: string): void {
    const p = this.procs.get(key);
    this.procs.delete(key);
    p?.kill();
  }

  private endIdle(idleMs: number): void {
    const now = Date.now();
    for (const [key, p] of this.procs) if (p.active === 0 && now - p.lastUsed > idleMs) this.end(key);
  }

  /** Ends every predictor (their pending requests fail). */
  dispose(): void {
    this.disposed = true;
    clearInterval(this.timer);
    for (const key of [...this.procs.keys()]) this.end(key);
  }
}
