/**
 * The server side of sanity runs: one warm worker process (tfjs and its backend loaded, kernels warmed) with a
 * JavaScript heap cap, a time budget per run, and a fresh worker whenever one is killed (timeout, crash) or left
 * dirty. A new run cancels the one in flight: the worker is asked to stop at its next step boundary and stays warm
 * for the new run; only one that does not stop within `cancelGraceMs` (stuck in user code) is killed and replaced.
 * No tfjs import: the server never loads it.
 */
import { fork, ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { loadConfig } from '../config/load';
import type { SanityProgressParams, SanityRunParams, SanityStatus, SanityStepReport, SanityVerdict } from '../protocol';
import { SANITY_STEPS } from '../protocol';
import { DEFAULT_SANITY, resolveSanitySettings, SanitySettings, SanitySettingsInput } from './settings';
import { modulePathOf } from './modulePath';
import { abortedVerdict } from './outcome';
import { buildLocation, diagnosticAt, SourceLines } from './diagnostics';
import { FromSanityWorker, isFromSanityWorker, ToSanityWorker } from './workerProtocol';

/** Path of the compiled worker entry point. */
export const SANITY_WORKER_PATH = path.join(__dirname, 'worker.js');

export interface SanityRunnerOptions {
  readonly workerPath?: string;
  /** tfjs backend of the worker ('auto' walks the ladder). */
  readonly backend?: string;
  /** Longest wait for a worker to start and warm up. */
  readonly startupTimeoutMs?: number;
  /** How long a cancelled run may take to reach a step boundary before its worker is killed (default 2000). */
  readonly cancelGraceMs?: number;
  readonly log?: (message: string) => void;
  /** Environment variables added to the worker's (e.g. SEGLAB_WASM_THREADS; the benchmark compares). */
  readonly env?: Readonly<Record<string, string>>;
}

/** One worker process and its messages. */
class Worker {
  readonly proc: ChildProcess;
  readonly ready: Promise<{ backend: string } | { error: string }>;
  stderrTail = '';
  /** First line of the worker's last `fatal` report (an uncaught error in user code, a WASM abort). */
  lastFatal = '';
  exited = false;
  /** Set while a cancelled run winds down: resolves true once the worker is clean and idle, false if it was killed. */
  draining: Promise<boolean> | null = null;
  onMessage: (m: FromSanityWorker) => void = () => undefined;
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void = () => undefined;

  constructor(
    readonly memoryLimitMb: number,
    opts: SanityRunnerOptions,
  ) {
    this.proc = fork(opts.workerPath ?? SANITY_WORKER_PATH, [], {
      execArgv: [`--max-old-space-size=${memoryLimitMb}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ...opts.env, SEGLAB_SANITY_BACKEND: opts.backend ?? 'auto' },
    });
    this.proc.stderr?.on('data', (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-4000)));
    this.ready = new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ error: 'the sanity worker did not start in time' }), opts.startupTimeoutMs ?? 120_000);
      this.proc.on('message', (m: unknown) => {
        if (!isFromSanityWorker(m)) return;
        if (m.type === 'log') return opts.log?.(m.message);
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve({ backend: m.backend });
        } else if (m.type === 'fatal') {
          clearTimeout(timer);
          this.lastFatal = m.message.split('\n')[0];
          resolve({ error: this.lastFatal });
        }
        this.onMessage(m);
      });
      this.proc.on('exit', (code, signal) => {
        this.exited = true;
        clearTimeout(timer);
        resolve({ error: `the sanity worker exited during start-up (${signal ?? `code ${code}`})` });
        this.onExit(code, signal);
      });
    });
  }

  send(m: ToSanityWorker): void {
    if (this.proc.connected) this.proc.send(m);
  }

  kill(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}

interface InFlight {
  readonly runId: string;
  readonly finish: (status: Exclude<SanityStatus, 'passed' | 'failed'>, message: string) => void;
}

/** Settings and module path of a request, read without loading tfjs; defaults when the config is broken. */
export function planRun(params: SanityRunParams): { settings: SanitySettings; entry: string } {
  const overrides = params.settings as SanitySettingsInput | undefined;
  try {
    const cfg = loadConfig(params.configPath ?? undefined, params.cwd);
    const settings = resolveSanitySettings(cfg.sanity, overrides);
    return { settings, entry: params.modulePath ?? modulePathOf(cfg, params.cwd) ?? '' };
  } catch {
    // The worker reports the config problem as a diagnostic; here only the budget and the heap cap matter.
    let settings = DEFAULT_SANITY;
    try {
      settings = resolveSanitySettings({}, overrides);
    } catch {
      settings = DEFAULT_SANITY;
    }
    return { settings, entry: params.modulePath ?? '' };
  }
}

/** Runs sanity checks in a warm worker; see the file comment. */
export class SanityRunner {
  private worker: Worker | null = null;
  private inFlight: InFlight | null = null;
  private nextId = 1;
  private disposed = false;
  /** The import graph of each module's last successful bundle (a syntax error leaves only the module itself). */
  private readonly knownFiles = new Map<string, readonly string[]>();

  constructor(private readonly opts: SanityRunnerOptions = {}) {}

  /** Pid of the current worker (tests check it is replaced after a kill), or null. */
  get workerPid(): number | null {
    return this.worker?.proc.pid ?? null;
  }

  /** Starts the worker now, so the first run does not pay the start-up. */
  async warmUp(memoryLimitMb = DEFAULT_SANITY.memoryLimitMb): Promise<void> {
    await (await this.acquire(memoryLimitMb)).ready;
  }

  private workerFor(memoryLimitMb: number): Worker {
    if (this.worker && (this.worker.exited || this.worker.memoryLimitMb !== memoryLimitMb)) this.replaceWorker(false);
    if (!this.worker) this.worker = this.spawn(memoryLimitMb);
    return this.worker;
  }

  private spawn(memoryLimitMb: number): Worker {
    const w = new Worker(memoryLimitMb, this.opts);
    this.opts.log?.(`sanity worker started (pid ${w.proc.pid}, heap cap ${memoryLimitMb} MB)`);
    return w;
  }

  /** Kills the current worker; with `fresh`, starts a new warm one with the same heap cap right away. */
  private replaceWorker(fresh: boolean): void {
    const old = this.worker;
    this.worker = null;
    if (!old) return;
    old.onExit = () => undefined;
    old.onMessage = () => undefined;
    old.kill();
    if (fresh && !this.disposed) this.worker = this.spawn(old.memoryLimitMb);
  }

  /**
   * Asks `worker` to stop `runId` and keeps it if it does within the grace period (and frees its tensors);
   * otherwise kills it and starts a fresh one. Runs wait on `worker.draining` before using the worker.
   */
  private drain(worker: Worker, runId: string): void {
    worker.send({ type: 'cancel', runId });
    worker.draining = new Promise<boolean>((resolve) => {
      const end = (clean: boolean): void => {
        clearTimeout(timer);
        worker.onMessage = () => undefined;
        worker.onExit = () => undefined;
        worker.draining = null;
        if (!clean && this.worker === worker) this.replaceWorker(!this.disposed);
        resolve(clean);
      };
      const timer = setTimeout(() => {
        this.opts.log?.('sanity worker replaced: a cancelled run did not stop in time (busy in user code)');
        end(false);
      }, this.opts.cancelGraceMs ?? 2000);
      worker.onMessage = (m) => {
        if ((m.type === 'cancelled' || m.type === 'verdict') && m.runId === runId) end(!m.dirty);
      };
      worker.onExit = () => end(false);
    });
  }

  /** The worker for the next run, once any cancelled run in it has wound down. */
  private async acquire(memoryLimitMb: number): Promise<Worker> {
    for (;;) {
      const w = this.workerFor(memoryLimitMb);
      if (!w.draining) return w;
      await w.draining;
    }
  }

  /** Cancels the run in flight (only `runId`, when given); false when there was none. */
  cancel(runId?: string): boolean {
    const f = this.inFlight;
    if (!f || (runId !== undefined && f.runId !== runId)) return false;
    f.finish('cancelled', 'cancelled: a newer sanity run replaced it');
    return true;
  }

  /** Runs a sanity check; a run in flight is cancelled first. Resolves with the verdict, never rejects. */
  async run(params: SanityRunParams, onProgress: (p: SanityProgressParams) => void = () => undefined): Promise<SanityVerdict> {
    const t0 = performance.now();
    const runId = params.runId ?? `sanity-${this.nextId++}`;
    this.cancel();
    const { settings, entry } = planRun(params);
    const steps: SanityStepReport[] = [];
    if (this.disposed) return abortedVerdict(runId, 'cancelled', 'cancelled: the server is shutting down', settings, entry, [], 0);
    return new Promise<SanityVerdict>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      /** Once the job is sent the worker is busy with it: ending the run means stopping or killing it. */
      let worker: Worker | null = null;
      let sent = false;
      const seconds = (): number => (performance.now() - t0) / 1000;
      const settle = (v: SanityVerdict): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (this.inFlight?.runId === runId) this.inFlight = null;
        resolve({ ...v, files: this.filesOf(v), seconds: seconds() });
      };
      const finish: InFlight['finish'] = (status, message) => {
        if (done) return;
        if (sent && status === 'cancelled' && worker && !this.disposed) this.drain(worker, runId);
        else if (sent || status === 'crashed') this.replaceWorker(!this.disposed);
        settle(this.abortedVerdict(runId, status, message, settings, entry, steps, seconds()));
      };
      this.inFlight = { runId, finish };
      void this.acquire(settings.memoryLimitMb).then(async (w) => {
        const r = await w.ready;
        if (done) return;
        worker = w;
        if ('error' in r) return finish('crashed', `crashed: ${r.error}`);
        w.onMessage = (m) => {
          if (m.type === 'step' && m.runId === runId) {
            steps.push(m.step);
            onProgress({ runId, step: m.step });
          } else if (m.type === 'verdict' && m.runId === runId) {
            if (m.dirty) {
              this.opts.log?.('sanity worker replaced: the run left tensors allocated (so no sanity model is saved for it)');
              this.replaceWorker(true);
            }
            settle(m.verdict);
          }
        };
        w.onExit = (code, signal) => {
          const said = `${w.stderrTail}\n${w.lastFatal}`;
          const oom = /heap limit|out of memory|allocation failed|Aborted\(OOM\)|Cannot enlarge memory/i.test(said);
          const how = w.lastFatal ? `stopped on an uncaught error: ${w.lastFatal}` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
          if (oom) finish('oom', `ran out of memory (the heap cap is ${settings.memoryLimitMb} MB; \`sanity.memoryLimitMb\`)`);
          else finish('crashed', `crashed: the sanity worker ${how}`);
        };
        timer = setTimeout(() => finish('timeout', `failed: exceeded ${settings.timeBudgetSeconds} s`), settings.timeBudgetSeconds * 1000);
        sent = true;
        w.send({ type: 'run', job: { runId, configPath: params.configPath, cwd: params.cwd, modulePath: params.modulePath, settings: params.settings as SanitySettingsInput } });
      });
    });
  }

  /** The verdict's files; when the bundle could not be made, the module's last known import graph as well. */
  private filesOf(v: SanityVerdict): readonly string[] {
    if (!v.module) return v.files;
    const bundled = v.steps.some((s) => s.name === 'transpile' && s.status !== 'failed');
    if (bundled) {
      this.knownFiles.set(v.module, v.files);
      return v.files;
    }
    return [...new Set([...v.files, ...(this.knownFiles.get(v.module) ?? [])])];
  }

  private abortedVerdict(
    runId: string,
    status: Exclude<SanityStatus, 'passed' | 'failed'>,
    message: string,
    settings: SanitySettings,
    entry: string,
    steps: SanityStepReport[],
    seconds: number,
  ): SanityVerdict {
    const ran = new Set(steps.map((s) => s.name));
    const current = SANITY_STEPS.find((n) => !ran.has(n));
    const v = abortedVerdict(runId, status, message, settings, entry, steps, seconds);
    if (status === 'cancelled' || !entry) return v;
    const code = status === 'timeout' ? 'time-budget' : status === 'oom' ? 'out-of-memory' : 'crashed';
    const where = current ? ` in the ${current} step` : '';
    const hint = status === 'timeout' ? ' (an endless loop, or a model too big for the budget: `sanity.timeBudgetSeconds`)' : '';
    const sources = new SourceLines();
    return { ...v, diagnostics: [diagnosticAt(buildLocation(entry, sources), 'error', code, `${message}${where}${hint}`, sources)] };
  }

  /** Kills the worker and cancels the run in flight. */
  dispose(): void {
    this.disposed = true;
    this.cancel();
    this.replaceWorker(false);
  }
}
