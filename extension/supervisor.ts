/**
 * Owns the server client and the job tracker, and turns their events into what the user sees: Output channel
 * lines, notifications (a crash says why and offers the log; an interrupted run offers Resume) and status changes
 * for the status bar and the dashboard.
 */
import * as vscode from 'vscode';
import type { JobId, JobStatus, TrainEvent, TrainerJob } from '../server/protocol';
import { ServerClient } from './serverClient';
import { JobTracker } from './jobTracker';

export class Supervisor implements vscode.Disposable {
  readonly client: ServerClient;
  readonly tracker = new JobTracker();
  private readonly _onStatus = new vscode.EventEmitter<JobStatus>();
  private readonly _onEvent = new vscode.EventEmitter<{ jobId: JobId; event: TrainEvent }>();
  /** The tracked job's status changed. */
  readonly onStatus = this._onStatus.event;
  /** An event of the tracked (train/eval) job. */
  readonly onEvent = this._onEvent.event;
  private readonly _disposables: vscode.Disposable[] = [this._onStatus, this._onEvent];
  private readonly predictWaiters = new Map<JobId, (e: TrainEvent) => void>();

  constructor(
    readonly log: vscode.LogOutputChannel,
    serverPath: string,
    private readonly resumeCommand: string,
  ) {
    this.client = new ServerClient({ serverPath });
    this.client.on('log', (p) => (p.level === 'error' ? log.error(p.message) : p.level === 'warn' ? log.warn(p.message) : log.info(p.message)));
    this.client.on('started', (pid) => log.info(`server started (pid ${pid})`));
    this.client.on('jobEvent', ({ jobId, event }) => this.onJobEvent(jobId, event));
    this.client.on('jobExit', (p) => {
      const before = this.tracker.status.phase;
      this.publish(this.tracker.onExit(p));
      if (before !== 'interrupted' && this.tracker.status.phase === 'interrupted') void this.offerResume();
      this.predictWaiters.delete(p.jobId);
    });
    this.client.on('died', ({ reason, restarting }) => {
      log.error(`server died: ${reason}`);
      const wasRunning = this.tracker.activeJobId !== null;
      this.publish(this.tracker.onServerDied(reason));
      if (restarting) {
        void vscode.window.showWarningMessage(`SegLab: the server stopped unexpectedly (${reason}); restarting it.`, 'Show Log').then((a) => a && log.show());
      }
      if (wasRunning && this.tracker.interruptedRunDir) void this.offerResume();
    });
    this.client.on('gaveUp', ({ reason }) => {
      log.error(reason);
      void vscode.window.showErrorMessage(`SegLab: ${reason}`, 'Show Log').then((a) => a && log.show());
    });
  }

  get status(): JobStatus {
    return this.tracker.status;
  }

  private onJobEvent(jobId: JobId, event: TrainEvent): void {
    this.predictWaiters.get(jobId)?.(event);
    if (!this.tracker.tracks(jobId)) return;
    if (event.type === 'log' && event.message) this.log.info(event.message);
    if (event.type === 'error') this.log.error(event.stack ?? event.message);
    if (event.type === 'backend') {
      this.log.info(`backend: ${event.name} (${event.detail})`);
      for (const s of event.skipped) this.log.info(`  skipped ${s.name}: ${s.reason}`);
    }
    this.publish(this.tracker.onEvent(jobId, event));
    this._onEvent.fire({ jobId, event });
  }

  private publish(s: JobStatus): void {
    this._onStatus.fire(s);
  }

  private async offerResume(): Promise<void> {
    const runDir = this.tracker.interruptedRunDir;
    const action = await vscode.window.showWarningMessage(
      `SegLab: training was interrupted (${this.tracker.status.message ?? 'unknown reason'}). Its last checkpoint is kept.`,
      'Resume',
      'Show Log',
    );
    if (action === 'Resume') await vscode.commands.executeCommand(this.resumeCommand, runDir);
    if (action === 'Show Log') this.log.show();
  }

  /** Starts a train or eval job and tracks it (status bar, dashboard). */
  async startTracked(job: TrainerJob): Promise<JobId> {
    const jobId = await this.client.startJob(job);
    this.publish(this.tracker.onStart(jobId, job));
    return jobId;
  }

  /** Starts a job without tracking it (predictions) and calls `onEvent` with its events. */
  async startUntracked(job: TrainerJob, onEvent: (e: TrainEvent) => void): Promise<JobId> {
    const jobId = await this.client.startJob(job);
    this.predictWaiters.set(jobId, onEvent);
    return jobId;
  }

  /** Asks the tracked job to save and stop; false when nothing is running. */
  async stopActive(): Promise<boolean> {
    const id = this.tracker.activeJobId;
    if (!id) return false;
    this.publish(this.tracker.onStopRequested());
    return this.client.stopJob(id);
  }

  dispose(): void {
    this.client.dispose();
    for (const d of this._disposables) d.dispose();
  }
}
