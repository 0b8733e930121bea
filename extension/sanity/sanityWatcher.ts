/**
 * Watches a model module, every local file it imports (the verdict lists them: the bundle's inputs) and the
 * seglab.json with chokidar; a change starts a sanity run after a debounce, and a change during a run starts a new
 * one (the server cancels the one in flight, whose verdict is then dropped). No vscode import: tested with real files.
 */
import * as path from 'node:path';
import { watch, FSWatcher } from 'chokidar';
import type { SanityRunParams, SanityVerdict } from '../../server/protocol';

export interface SanityTarget {
  /** Absolute path of the seglab.json that names the module (null: the built-in default). */
  readonly configPath: string | null;
  readonly cwd: string;
  /** Absolute path of the model module. */
  readonly modulePath: string;
}

export interface SanityWatcherOptions {
  /** Runs one sanity check (the server's SanityRunRequest). */
  readonly run: (params: SanityRunParams) => Promise<SanityVerdict>;
  /** A verdict of the latest run (superseded runs' verdicts are not reported). */
  readonly onVerdict: (target: SanityTarget, verdict: SanityVerdict) => void;
  /** A run started (after the debounce), with the file whose change caused it. */
  readonly onStart?: (target: SanityTarget, cause: string) => void;
  readonly onError?: (target: SanityTarget, err: unknown) => void;
  /** Saves within this many milliseconds start one run. */
  readonly debounceMs?: number;
}

/** Watches one target; {@link SanityWatchers} keeps one per model module. */
export class SanityWatcher {
  private readonly watcher: FSWatcher;
  private watched = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private disposed = false;
  /** The run in flight, if any. */
  private inFlight: Promise<void> | null = null;

  constructor(
    readonly target: SanityTarget,
    private readonly opts: SanityWatcherOptions,
  ) {
    this.watcher = watch([], { ignoreInitial: true, awaitWriteFinish: false, atomic: true });
    this.watcher.on('change', (f) => this.schedule(f));
    this.watcher.on('add', (f) => this.schedule(f));
    this.watcher.on('unlink', (f) => this.schedule(f));
    this.setWatched([target.modulePath, ...(target.configPath ? [target.configPath] : [])]);
  }

  /** Files being watched (absolute, sorted). */
  get files(): string[] {
    return [...this.watched].sort();
  }

  /** Starts a run now (e.g. "▶ Run sanity"), skipping the debounce. */
  runNow(cause = 'requested'): Promise<void> {
    clearTimeout(this.timer);
    return this.start(cause);
  }

  /** Resolves when the run in flight (if any) has reported. */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private schedule(file: string): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.start(file), this.opts.debounceMs ?? 300);
  }

  private start(cause: string): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const id = ++this.seq;
    const runId = `sanity-${path.basename(this.target.modulePath)}-${id}`;
    this.opts.onStart?.(this.target, cause);
    const p = this.opts
      .run({ configPath: this.target.configPath, cwd: this.target.cwd, modulePath: this.target.modulePath, runId })
      .then(
        (verdict) => {
          if (this.disposed || id !== this.seq || verdict.status === 'cancelled') return;
          // The bundle's inputs are the import graph: watch what it imports now, drop what it no longer does.
          if (verdict.files.length) this.setWatched([this.target.modulePath, ...verdict.files, ...(this.target.configPath ? [this.target.configPath] : [])]);
          this.opts.onVerdict(this.target, verdict);
        },
        (err: unknown) => {
          if (!this.disposed && id === this.seq) this.opts.onError?.(this.target, err);
        },
      )
      .finally(() => {
        if (this.inFlight === p) this.inFlight = null;
      });
    this.inFlight = p;
    return p;
  }

  private setWatched(files: readonly string[]): void {
    const next = new Set(files.map((f) => path.resolve(f)));
    const add = [...next].filter((f) => !this.watched.has(f));
    const remove = [...this.watched].filter((f) => !next.has(f));
    if (remove.length) this.watcher.unwatch(remove);
    if (add.length) this.watcher.add(add);
    this.watched = next;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.timer);
    await this.watcher.close();
  }
}
