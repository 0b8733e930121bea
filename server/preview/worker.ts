/**
 * A predictor process, forked by server/preview/pool.ts for one (run, checkpoint): it selects a backend, keeps
 * the model loaded between requests (reloading it when the checkpoint is rewritten) and answers predictions one at
 * a time. An out-of-memory abort or a crash ends only this process; the server starts a fresh one.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendName, selectBackend } from '../backend/ladder';
import { ConfigError } from '../config/load';
import { DataError } from '../data/types';
import { UserFacingError } from '../train/errors';
import { Predictor } from './predictor';
import type { FromPredictor, ToPredictor } from './workerProtocol';

tf.env().set('PROD', true);

const USER_ERRORS = [ConfigError, DataError, UserFacingError];

let predictor: Predictor | null = null;
/** Requests run one after another, in arrival order. */
let queue: Promise<void> = Promise.resolve();

function send(m: FromPredictor): void {
  if (process.send && process.connected) process.send(m);
}

function describe(err: unknown): { kind: 'user' | 'internal'; message: string; stack?: string } {
  const e = err instanceof Error ? err : new Error(String(err));
  const user = USER_ERRORS.some((cls) => e instanceof cls);
  return user ? { kind: 'user', message: e.message } : { kind: 'internal', message: e.message, stack: e.stack };
}

async function init(m: Extract<ToPredictor, { type: 'init' }>): Promise<void> {
  if (predictor) return;
  try {
    const backend = await selectBackend({ prefer: m.backend as BackendName | 'auto' });
    predictor = new Predictor(m.runDir, m.checkpoint, backend.name);
    send({ type: 'ready', backend: backend.name });
  } catch (err) {
    send({ type: 'fatal', ...describe(err) });
    setTimeout(() => process.exit(1), 50);
  }
}

async function predict(m: Extract<ToPredictor, { type: 'predict' }>): Promise<void> {
  try {
    if (!predictor) throw new Error('predict before init');
    const result = await predictor.predict(m.request);
    send({ type: 'result', id: m.id, result });
  } catch (err) {
    send({ type: 'failed', id: m.id, ...describe(err) });
  }
}

process.on('message', (m: ToPredictor) => {
  if (m.type === 'init') queue = queue.then(() => init(m));
  else if (m.type === 'predict') queue = queue.then(() => predict(m));
});

process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (err) => {
  send({ type: 'fatal', ...describe(err) });
  setTimeout(() => process.exit(1), 50);
});
