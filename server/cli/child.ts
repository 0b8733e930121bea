/**
 * Runs a trainer job in a child process. The WASM backend aborts uncatchably when its 4 GiB heap overflows, and
 * user code can crash or hang; in a child process none of that can take the CLI (or the extension's server) down.
 */
import { fork, ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { isTrainEvent, TrainEvent, TrainerCommand, TrainerJob } from '../protocol';

/** How a child run ended. */
export interface ChildOutcome {
  /** The child exited normally (code 0) after its last event. */
  readonly ok: boolean;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** A user-facing message when the child died without reporting an error itself. */
  readonly crash: string | null;
}

/** Path of the compiled worker entry point. */
export const WORKER_PATH = path.join(__dirname, '..', 'train', 'worker.js');

/** Explains an unexpected child death in one line. */
export function describeCrash(code: number | null, signal: NodeJS.Signals | null, lastStderr: string): string {
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  const oom = /abort|out of memory|OOM|RangeError: (WebAssembly|Array buffer)/i.test(lastStderr);
  const hint = oom
    ? ' It ran out of memory (the WASM heap stops at 4 GiB): lower `train.batchSize` or `input.size`.'
    : ' Its last output is above; the run folder keeps the last checkpoint, resume with --resume.';
  return `the training process ${how}.${hint}`;
}

/** A running child job; `stop()` asks it to save and exit, `kill()` ends it at once. */
export class TrainerChild {
  private readonly proc: ChildProcess;
  private stderrTail = '';
  readonly done: Promise<ChildOutcome>;

  constructor(
    job: TrainerJob,
    onEvent: (e: TrainEvent) => void,
    opts: { silentStderr?: boolean; workerPath?: string } = {},
  ) {
    this.proc = fork(opts.workerPath ?? WORKER_PATH, [], {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      execArgv: ['--max-old-space-size=8192'],
    });
    this.proc.stderr?.on('data', (d: Buffer) => {
      const s = d.toString();
      this.stderrTail = (this.stderrTail + s).slice(-4000);
      if (!opts.silentStderr) process.stderr.write(s);
    });
    let reportedError = false;
    this.proc.on('message', (m: unknown) => {
      if (!isTrainEvent(m)) return;
      if (m.type === 'error') reportedError = true;
      onEvent(m);
    });
    this.done = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        const ok = code === 0 && !signal;
        const crash = ok || reportedError ? null : describeCrash(code, signal, this.stderrTail);
        resolve({ ok, code, signal, crash });
      });
    });
    this.send({ type: 'start', job });
  }

  private send(cmd: TrainerCommand): void {
    if (this.proc.connected) this.proc.send(cmd);
  }

  /** Asks the child to finish the current step, save `last` and exit. */
  stop(): void {
    this.send({ type: 'stop' });
  }

  /** Ends the child immediately (second Ctrl+C, or dispose). */
  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }

  dispose(): void {
    this.kill();
  }
}
