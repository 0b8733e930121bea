/**
 * The server's jobs: each runs in its own trainer child process (server/cli/child.ts), so a WASM abort or a crash
 * in a job never takes the server down. Train and eval jobs are exclusive (the CPU is the bottleneck); predict
 * jobs may run beside them.
 */
import type { JobEventParams, JobExitParams, JobId, TrainerJob } from '../protocol';
import { TrainerChild } from '../cli/child';
import { UserFacingError } from '../train/errors';

export interface JobListener {
  onEvent(p: JobEventParams): void;
  onExit(p: JobExitParams): void;
}

interface Running {
  readonly kind: TrainerJob['kind'];
  readonly child: TrainerChild;
  readonly exited: Promise<void>;
}

const EXCLUSIVE: readonly TrainerJob['kind'][] = ['train', 'eval'];

export class JobManager {
  private readonly running = new Map<JobId, Running>();
  private nextId = 1;

  constructor(
    private readonly listener: JobListener,
    private readonly opts: { workerPath?: string } = {},
  ) {}

  /** Ids of the jobs still running. */
  get jobIds(): JobId[] {
    return [...this.running.keys()];
  }

  /** Starts `job` in a new child; throws a {@link UserFacingError} while an exclusive job is running. */
  start(job: TrainerJob): JobId {
    if (EXCLUSIVE.includes(job.kind)) {
      const busy = [...this.running.values()].find((r) => EXCLUSIVE.includes(r.kind));
      if (busy) {
        throw new UserFacingError(`a ${busy.kind} job is already running; stop it first (SegLab: Stop) or wait for it to finish`);
      }
    }
    const jobId = `job-${this.nextId++}`;
    const child = new TrainerChild(job, (event) => this.listener.onEvent({ jobId, event }), {
      workerPath: this.opts.workerPath,
      silentStderr: false,
    });
    const exited = child.done.then((o) => {
      this.running.delete(jobId);
      this.listener.onExit({ jobId, ok: o.ok, code: o.code, signal: o.signal, crash: o.crash });
    });
    this.running.set(jobId, { kind: job.kind, child, exited });
    return jobId;
  }

  /** Asks a job to save and exit; false when no such job runs. */
  stop(jobId: JobId): boolean {
    const r = this.running.get(jobId);
    if (!r) return false;
    r.child.stop();
    return true;
  }

  /** Stops every job and waits for them to exit; any still alive after `graceMs` is killed. */
  async stopAll(graceMs = 30_000): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.child.stop();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const r of all) r.child.kill();
        resolve();
      }, graceMs);
    });
    await Promise.race([Promise.all(all.map((r) => r.exited)), timeout]);
    clearTimeout(timer);
    await Promise.all(all.map((r) => r.exited));
  }

  /** Kills every job at once. */
  dispose(): void {
    for (const r of this.running.values()) r.child.kill();
  }
}
