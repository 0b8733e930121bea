/**
 * Spawns and supervises the SegLab server (server/rpc/main.ts) and talks JSON-RPC to it over the fork's IPC
 * channel. A server that dies unexpectedly is restarted under a {@link RestartPolicy}; one stopped on purpose
 * (`stop()`, `dispose()`) never is. No vscode import: the extension wires its events to the UI, tests spawn a real
 * server with it.
 */
import { ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, MessageConnection, ResponseError } from 'vscode-jsonrpc/node';
import {
  CheckDatasetRequest,
  CheckDatasetResult,
  FatalNotification,
  JobEventNotification,
  JobEventParams,
  JobExitNotification,
  JobExitParams,
  JobId,
  ListRunsRequest,
  LogNotification,
  LogParams,
  PreviewParams,
  PreviewRequest,
  PreviewResult,
  RunSummary,
  SanityCancelRequest,
  SanityProgressNotification,
  SanityProgressParams,
  SanityRunParams,
  SanityRunRequest,
  SanityVerdict,
  ShutdownRequest,
  StartJobRequest,
  StopJobRequest,
  TrainerJob,
} from '../server/protocol';
import { RestartPolicy } from './restartPolicy';

/** Path of the compiled server entry point. */
export const SERVER_PATH = path.join(__dirname, '..', 'server', 'rpc', 'main.js');

export interface ServerClientOptions {
  readonly serverPath?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly policy?: RestartPolicy;
  /** Delay before a restart, so a crash loop does not spin. */
  readonly restartDelayMs?: number;
}

/** Events: 'jobEvent' (JobEventParams), 'jobExit' (JobExitParams), 'log' (LogParams), 'died' ({reason, restarting}),
 * 'gaveUp' ({reason}), 'started' (pid). */
export interface ServerClientEvents {
  jobEvent: [JobEventParams];
  jobExit: [JobExitParams];
  log: [LogParams];
  died: [{ reason: string; restarting: boolean }];
  gaveUp: [{ reason: string }];
  started: [number];
  sanityProgress: [SanityProgressParams];
}

/** A request failed; `user` when the message is for the user to act on (bad config, busy server). */
export class ServerRequestError extends Error {
  constructor(
    message: string,
    readonly user: boolean,
  ) {
    super(message);
  }
}

export class ServerClient extends EventEmitter<ServerClientEvents> {
  private proc: ChildProcess | null = null;
  private connection: MessageConnection | null = null;
  private ready: Promise<MessageConnection> | null = null;
  private stopping = false;
  private disposed = false;
  private fatal: string | null = null;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly policy: RestartPolicy;

  constructor(private readonly opts: ServerClientOptions = {}) {
    super();
    this.policy = opts.policy ?? new RestartPolicy();
  }

  /** Whether a server process is alive. */
  get running(): boolean {
    return this.proc !== null;
  }

  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  /** Starts the server if it is not running (also after the policy gave up: a user command is a manual restart). */
  start(): Promise<MessageConnection> {
    if (this.disposed) return Promise.reject(new Error('the SegLab server client was disposed'));
    if (this.ready) return this.ready;
    clearTimeout(this.restartTimer);
    this.stopping = false;
    this.fatal = null;
    const proc = fork(this.opts.serverPath ?? SERVER_PATH, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...this.opts.env },
      execArgv: [],
    });
    this.proc = proc;
    const forward = (level: LogParams['level']) => (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line.trim()) this.emit('log', { level, message: line });
    };
    proc.stdout?.on('data', forward('info'));
    proc.stderr?.on('data', forward('error'));
    const connection = createMessageConnection(new IPCMessageReader(proc), new IPCMessageWriter(proc));
    connection.onNotification(JobEventNotification, (p) => void this.emit('jobEvent', p));
    connection.onNotification(JobExitNotification, (p) => void this.emit('jobExit', p));
    connection.onNotification(LogNotification, (p) => void this.emit('log', p));
    connection.onNotification(SanityProgressNotification, (p) => void this.emit('sanityProgress', p));
    connection.onNotification(FatalNotification, (p) => {
      this.fatal = p.message;
      this.emit('log', { level: 'error', message: p.stack ?? p.message });
    });
    connection.listen();
    this.connection = connection;
    proc.on('exit', (code, signal) => this.onExit(proc, code, signal));
    this.ready = new Promise((resolve, reject) => {
      proc.once('spawn', () => {
        this.emit('started', proc.pid ?? -1);
        resolve(connection);
      });
      proc.once('error', reject);
    });
    return this.ready;
  }

  private onExit(proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.proc !== proc) return;
    this.connection?.dispose();
    this.connection = null;
    this.proc = null;
    this.ready = null;
    if (this.stopping || this.disposed) return;
    const reason = this.fatal ?? (signal ? `killed by ${signal}` : `exited with code ${code}`);
    const decision = this.policy.onCrash(Date.now());
    this.emit('died', { reason, restarting: decision.restart });
    if (!decision.restart) {
      this.emit('gaveUp', { reason: decision.reason });
      this.policy.reset();
      return;
    }
    this.restartTimer = setTimeout(() => {
      if (!this.disposed && !this.stopping) void this.start().catch(() => undefined);
    }, this.opts.restartDelayMs ?? 500);
  }

  private async request<R>(send: (c: MessageConnection) => Promise<R>): Promise<R> {
    const c = await this.start();
    try {
      return await send(c);
    } catch (err) {
      if (err instanceof ResponseError) throw new ServerRequestError(err.message, err.code === -32001);
      throw err;
    }
  }

  startJob(job: TrainerJob): Promise<JobId> {
    return this.request((c) => c.sendRequest(StartJobRequest, { job })).then((r) => r.jobId);
  }

  stopJob(jobId: JobId): Promise<boolean> {
    return this.request((c) => c.sendRequest(StopJobRequest, { jobId })).then((r) => r.stopping);
  }

  listRuns(runsDir: string): Promise<readonly RunSummary[]> {
    return this.request((c) => c.sendRequest(ListRunsRequest, { runsDir })).then((r) => r.runs);
  }

  checkDataset(configPath: string | null, cwd: string): Promise<CheckDatasetResult> {
    return this.request((c) => c.sendRequest(CheckDatasetRequest, { configPath, cwd }));
  }

  /** Runs a sanity check of a model module; a run in flight is cancelled (it answers 'cancelled'). */
  sanityRun(params: SanityRunParams): Promise<SanityVerdict> {
    return this.request((c) => c.sendRequest(SanityRunRequest, params));
  }

  sanityCancel(runId?: string): Promise<boolean> {
    return this.request((c) => c.sendRequest(SanityCancelRequest, { runId })).then((r) => r.cancelled);
  }

  /** Predicts one image with a run's checkpoint (warm predictor, disk cache); a bad image or run is a user error. */
  preview(params: PreviewParams): Promise<PreviewResult> {
    return this.request((c) => c.sendRequest(PreviewRequest, params));
  }

  /** Stops the server on purpose (jobs save first); it is not restarted. */
  async stop(timeoutMs = 35_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const proc = this.proc;
    const c = this.connection;
    if (!proc || !c) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    await c.sendRequest(ShutdownRequest).catch(() => proc.kill('SIGKILL'));
    await exited;
    clearTimeout(timer);
  }

  /** Ends the server now (extension deactivation); its jobs see the disconnect and save. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.restartTimer);
    this.connection?.dispose();
    if (this.proc?.connected) this.proc.disconnect();
    this.proc = null;
    this.ready = null;
    this.removeAllListeners();
  }
}
