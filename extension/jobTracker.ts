/**
 * What the extension knows about the server's jobs, reduced from protocol events: the status bar's and the
 * dashboard's {@link JobStatus}, the event log the dashboard replays after a reload, and the run to offer for
 * Resume when a training job was interrupted. Pure (no vscode import), so it is unit-tested directly.
 */
import type { JobExitParams, JobId, JobStatus, TrainEvent, TrainerJob } from '../server/protocol';

/** Step events kept for a replay; older ones are thinned (every other one dropped) beyond this. */
export const MAX_REPLAY_STEPS = 4000;

export const IDLE: JobStatus = Object.freeze({
  phase: 'idle',
  backend: null,
  epoch: null,
  epochs: null,
  lastMIoU: null,
  runDir: null,
  message: null,
});

interface Tracked {
  readonly jobId: JobId;
  readonly kind: TrainerJob['kind'];
  events: TrainEvent[];
  steps: number;
  failed: boolean;
}

export class JobTracker {
  private job: Tracked | null = null;
  private _status: JobStatus = IDLE;

  get status(): JobStatus {
    return this._status;
  }

  /** The id of the train/eval job in progress, if any. */
  get activeJobId(): JobId | null {
    return this.job && this.isActive() ? this.job.jobId : null;
  }

  /** The run folder of a training job that was interrupted (crash or server death), to offer Resume. */
  get interruptedRunDir(): string | null {
    return this._status.phase === 'interrupted' ? this._status.runDir : null;
  }

  private isActive(): boolean {
    return ['starting', 'training', 'evaluating', 'stopping'].includes(this._status.phase);
  }

  private set(patch: Partial<JobStatus>): JobStatus {
    this._status = { ...this._status, ...patch };
    return this._status;
  }

  /** A train or eval job was accepted by the server (predict jobs are not tracked here). */
  onStart(jobId: JobId, job: TrainerJob): JobStatus {
    this.job = { jobId, kind: job.kind, events: [], steps: 0, failed: false };
    const runDir = job.kind === 'train' ? (job.resumeRunDir ?? null) : job.kind === 'eval' ? job.runDir : null;
    return this.set({ ...IDLE, backend: this._status.backend, phase: job.kind === 'eval' ? 'evaluating' : 'starting', runDir });
  }

  /** Whether `jobId` is the tracked job (events of other jobs, e.g. predictions, are not reduced here). */
  tracks(jobId: JobId): boolean {
    return this.job?.jobId === jobId;
  }

  onEvent(jobId: JobId, e: TrainEvent): JobStatus {
    if (!this.job || this.job.jobId !== jobId) return this._status;
    this.record(e);
    switch (e.type) {
      case 'backend':
        return this.set({ backend: e.name });
      case 'runStart':
        return this.set({ phase: 'training', runDir: e.runDir, epochs: e.epochs, epoch: e.startEpoch });
      case 'step':
        return this._status.phase === 'stopping' ? this.set({ epoch: e.epoch }) : this.set({ phase: 'training', epoch: e.epoch });
      case 'epochEnd':
        return this.set({ lastMIoU: e.val.mIoU, epoch: e.epoch });
      case 'evalDone':
        return this.set({ lastMIoU: e.result.mIoU });
      case 'runEnd':
        return this.set({ phase: 'idle', message: e.status === 'stopped' ? `stopped after epoch ${e.epochsDone}; Resume continues it` : 'completed' });
      case 'error':
        this.job.failed = true;
        return this.set({ phase: 'failed', message: e.message });
      default:
        return this._status;
    }
  }

  private record(e: TrainEvent): void {
    const job = this.job!;
    if (e.type === 'runStart' || e.type === 'backend') {
      // A resumed job starts a fresh log: the dashboard gets the run's earlier epochs from metrics.jsonl.
      job.events = job.events.filter((x) => x.type === 'backend');
    }
    job.events.push(e);
    if (e.type === 'step' && ++job.steps > MAX_REPLAY_STEPS) {
      let keep = false;
      job.events = job.events.filter((x) => x.type !== 'step' || (keep = !keep));
      job.steps = job.events.filter((x) => x.type === 'step').length;
    }
  }

  /** The user asked to stop the tracked job. */
  onStopRequested(): JobStatus {
    return this.isActive() ? this.set({ phase: 'stopping' }) : this._status;
  }

  onExit(p: JobExitParams): JobStatus {
    if (!this.job || this.job.jobId !== p.jobId) return this._status;
    if (p.ok) return this.isActive() ? this.set({ phase: 'idle' }) : this._status;
    if (this.job.failed) return this._status;
    const why = p.crash ?? `the job's process exited with code ${p.code}`;
    if (this.job.kind === 'train' && this._status.runDir) return this.set({ phase: 'interrupted', message: why });
    return this.set({ phase: 'failed', message: why });
  }

  /** The server process died with `reason`; a job in progress is interrupted (training offers Resume). */
  onServerDied(reason: string): JobStatus {
    if (!this.job || !this.isActive()) return this._status;
    const message = `the SegLab server stopped unexpectedly (${reason})`;
    if (this.job.kind === 'train' && this._status.runDir) return this.set({ phase: 'interrupted', message });
    return this.set({ phase: 'failed', message });
  }

  /** The tracked job's events for a dashboard replay (steps thinned beyond {@link MAX_REPLAY_STEPS}). */
  replay(): { jobId: JobId | null; events: TrainEvent[] } {
    return { jobId: this.job?.jobId ?? null, events: this.job ? [...this.job.events] : [] };
  }
}

/** The status bar text: backend, state and the last val mIoU, e.g. "$(beaker) SegLab wasm · epoch 2/6 · mIoU 0.7312". */
export function statusBarText(s: JobStatus): string {
  const parts = ['$(beaker) SegLab'];
  if (s.backend) parts[0] += ` ${s.backend}`;
  switch (s.phase) {
    case 'training':
      parts.push(s.epoch !== null && s.epochs !== null ? `training epoch ${s.epoch}/${s.epochs}` : 'training');
      break;
    case 'starting':
      parts.push('starting…');
      break;
    default:
      parts.push(s.phase);
  }
  if (s.lastMIoU !== null && Number.isFinite(s.lastMIoU)) parts.push(`mIoU ${s.lastMIoU.toFixed(4)}`);
  return parts.join(' · ');
}
