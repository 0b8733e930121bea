/**
 * The SegLab server process: forked by the extension (extension/serverClient.ts), it speaks JSON-RPC over the Node
 * IPC channel (vscode-jsonrpc; every message is declared in server/protocol.ts) and runs jobs in trainer child
 * processes. It never imports `vscode`, and it does not load TensorFlow.js itself.
 */
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, ResponseError, MessageConnection } from 'vscode-jsonrpc/node';
import {
  CheckDatasetRequest,
  FatalNotification,
  JobEventNotification,
  JobExitNotification,
  ListRunsRequest,
  LogNotification,
  PreviewRequest,
  SanityCancelRequest,
  SanityProgressNotification,
  SanityRunRequest,
  ShutdownRequest,
  StartJobRequest,
  StopJobRequest,
} from '../protocol';
import type { SanityProgressParams } from '../protocol';
import { JobManager } from './jobManager';
import { SanityRunner } from '../sanity/runner';
import { PreviewService } from '../preview/service';
import { summariseRuns } from './runsSummary';
import { checkDatasetReport } from './checkDataset';
import { ConfigError } from '../config/load';
import { DataError } from '../data/types';
import { UserFacingError } from '../train/errors';

/** JSON-RPC error code for a request the user must fix (bad config, busy server); the message says how. */
export const USER_ERROR_CODE = -32001;

function asResponseError(err: unknown): ResponseError<void> {
  const e = err instanceof Error ? err : new Error(String(err));
  const user = e instanceof UserFacingError || e instanceof ConfigError || e instanceof DataError;
  return new ResponseError(user ? USER_ERROR_CODE : -32603, e.message);
}

async function guarded<T>(f: () => T | Promise<T>): Promise<T | ResponseError<void>> {
  try {
    return await f();
  } catch (err) {
    return asResponseError(err);
  }
}

function serve(connection: MessageConnection): void {
  const jobs = new JobManager({
    onEvent: (p) => void connection.sendNotification(JobEventNotification, p),
    onExit: (p) => void connection.sendNotification(JobExitNotification, p),
  });
  connection.onRequest(StartJobRequest, (p) => guarded(() => ({ jobId: jobs.start(p.job) })));
  connection.onRequest(StopJobRequest, (p) => guarded(() => ({ stopping: jobs.stop(p.jobId) })));
  connection.onRequest(ListRunsRequest, (p) => guarded(() => ({ runs: summariseRuns(p.runsDir) })));
  connection.onRequest(CheckDatasetRequest, (p) => guarded(() => checkDatasetReport(p.configPath, p.cwd)));
  // Sanity runs: user model code runs in a warm worker process (server/sanity/runner.ts), never in this one.
  const sanity = new SanityRunner({ log: (message) => void connection.sendNotification(LogNotification, { level: 'info', message }) });
  const progress = (p: SanityProgressParams): void => void connection.sendNotification(SanityProgressNotification, p);
  connection.onRequest(SanityRunRequest, (p) => guarded(() => sanity.run(p, progress)));
  connection.onRequest(SanityCancelRequest, (p) => guarded(() => ({ cancelled: sanity.cancel(p.runId) })));
  // Previews: each model runs in a warm predictor process (server/preview/pool.ts); results are cached on disk.
  const previews = new PreviewService({ log: (message) => void connection.sendNotification(LogNotification, { level: 'info', message }) });
  connection.onRequest(PreviewRequest, (p) => guarded(() => previews.preview(p)));
  connection.onRequest(ShutdownRequest, async () => {
    sanity.dispose();
    previews.dispose();
    await jobs.stopAll();
    setImmediate(() => process.exit(0));
  });

  // The extension went away (window closed or reloaded): let running jobs save, then exit.
  process.on('disconnect', () => {
    sanity.dispose();
    previews.dispose();
    void jobs.stopAll().then(() => process.exit(0));
  });

  process.on('uncaughtException', (err) => {
    // Report before exiting, so the extension can tell the user why (and restart us).
    const message = `server crashed: ${err.message}`;
    process.stderr.write(`${err.stack ?? message}\n`);
    jobs.dispose();
    sanity.dispose();
    previews.dispose();
    void connection
      .sendNotification(FatalNotification, { message, stack: err.stack ?? null })
      .finally(() => setTimeout(() => process.exit(1), 50));
  });

  connection.listen();
  void connection.sendNotification(LogNotification, { level: 'info', message: `server ready (pid ${process.pid}, node ${process.version})` });
}

if (require.main === module) {
  if (!process.send) {
    process.stderr.write('seglab server: start me with child_process.fork (I talk JSON-RPC over the IPC channel)\n');
    process.exit(2);
  }
  serve(createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process)));
  // Test hook: lets the client's restart tests crash a real server on demand.
  if (process.env.SEGLAB_SERVER_CRASH_AFTER_MS) {
    setTimeout(() => {
      throw new Error('crash requested by SEGLAB_SERVER_CRASH_AFTER_MS');
    }, Number(process.env.SEGLAB_SERVER_CRASH_AFTER_MS));
  }
}
