/**
 * Entry point of the trainer child process (forked by the CLI or the extension's server). It receives one
 * {@link TrainerCommand} `start`, runs the job, streams {@link TrainEvent}s back over IPC and exits. `stop` (or
 * SIGINT, which Ctrl+C sends to the whole process group) makes it finish the current step, save and exit.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainEvent, TrainerCommand, TrainerJob } from '../protocol';
import { runJob } from './jobs';
import { ConfigError } from '../config/load';
import { DataError } from '../data/types';
import { MemoryBudgetError } from './memory';
import { UserFacingError } from './errors';

/** Errors about the user's input: reported as one message, without a stack trace. */
const USER_ERRORS = [ConfigError, DataError, MemoryBudgetError, UserFacingError];

// Before anything touches a backend: no "install tfjs-node" banner or other tfjs console noise for users.
tf.env().set('PROD', true);

let stopRequested = false;
let started = false;

function emit(e: TrainEvent): void {
  if (process.send) process.send(e);
}

/** Sends everything queued on the IPC channel, then exits. */
function exitAfterFlush(code: number): void {
  if (process.send && process.connected) {
    process.send({ type: 'log', level: 'info', message: '' } satisfies TrainEvent, () => process.exit(code));
  } else {
    process.exit(code);
  }
}

function reportFatal(err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  const user = USER_ERRORS.some((cls) => e instanceof cls);
  emit({ type: 'error', kind: user ? 'user' : 'internal', message: e.message, stack: user ? undefined : e.stack });
}

async function start(job: TrainerJob): Promise<void> {
  try {
    await runJob(job, emit, () => stopRequested);
    exitAfterFlush(0);
  } catch (err) {
    reportFatal(err);
    exitAfterFlush(1);
  }
}

process.on('message', (m: TrainerCommand) => {
  if (m.type === 'start' && !started) {
    started = true;
    void start(m.job);
  } else if (m.type === 'stop') {
    stopRequested = true;
  }
});

process.on('SIGINT', () => {
  stopRequested = true;
});

// The parent went away (CLI killed, extension reloaded): stop after the current step and save.
process.on('disconnect', () => {
  stopRequested = true;
});

process.on('uncaughtException', (err) => {
  reportFatal(err);
  exitAfterFlush(1);
});
