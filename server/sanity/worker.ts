/**
 * The sanity worker process, forked by server/sanity/runner.ts with a JavaScript heap cap. It selects a backend,
 * warms up (tfjs kernels, esbuild's service, a tiny training step) and says `ready`; then it runs one sanity job
 * at a time. A `cancel` stops the run at its next step boundary and the worker stays warm. An infinite loop, an
 * out-of-memory abort or a crash in user code ends only this process: the server kills it (on its time budget, or
 * when a cancelled run does not stop in time) and starts a fresh one. After a verdict is sent, the fitted model is saved for
 * previews (saveModel.ts) unless the next job comes first.
 */
import * as tf from '@tensorflow/tfjs';
import * as esbuild from 'esbuild';
import { BackendName, selectBackend } from '../backend/ladder';
import { doubleConv, maxPool2x2, segmentationHead, skipConcat, upsample2x } from '../models/base/blocks';
import { combinedLoss } from '../losses';
import { runSanity, SanityCancelled } from './pipeline';
import { disposeVariablesExcept, FittedModel, SanityModelSaver } from './saveModel';
import type { FromSanityWorker, ToSanityWorker } from './workerProtocol';

tf.env().set('PROD', true);

function send(m: FromSanityWorker): void {
  if (process.send && process.connected) process.send(m);
}

/** One tiny U-Net step at 32x32, so the first real run finds kernels compiled and code optimised. */
async function warmUp(): Promise<void> {
  esbuild.transformSync('const a: number = 1;', { loader: 'ts' });
  const opts = { padding: 'same' as const, useBatchnorm: true, batchNormMomentum: 0.9 };
  const input = tf.input({ shape: [32, 32, 1] });
  const e1 = doubleConv(input, 4, opts, 'warm_e1');
  const bottom = doubleConv(maxPool2x2(e1, 'warm_pool'), 8, opts, 'warm_b');
  const d1 = doubleConv(skipConcat(e1, upsample2x(bottom, 4, 'transpose', 'warm_d1'), false, 'warm_d1'), 4, opts, 'warm_d1');
  const model = tf.model({ inputs: input, outputs: segmentationHead(d1, 2, 'warm_head') });
  const optimizer = tf.train.adam(1e-3);
  const x = tf.zeros([1, 32, 32, 1]);
  const y = tf.zeros([1, 32, 32], 'int32');
  const loss = combinedLoss([{ type: 'ce', weight: 1, ignoreIndex: 255 }]);
  try {
    const l = optimizer.minimize(() => loss(model.apply(x, { training: true }) as tf.Tensor, y), true);
    await l?.data();
    l?.dispose();
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const prefer = (process.env.SEGLAB_SANITY_BACKEND ?? 'auto') as BackendName | 'auto';
  const backend = await selectBackend({ prefer });
  await warmUp();
  tf.disposeVariables();
  const baseline = tf.memory().numTensors;
  const saver = new SanityModelSaver((message) => send({ type: 'log', message }));
  /** The run in progress and how to cancel it; null when idle. */
  let current: { runId: string; abort: AbortController } | null = null;
  process.on('message', (m: ToSanityWorker) => {
    if (m.type === 'cancel') {
      if (current?.runId === m.runId) current.abort.abort();
      return;
    }
    if (m.type !== 'run' || current) return;
    const runId = m.job.runId;
    const abort = new AbortController();
    current = { runId, abort };
    let fitted = null as FittedModel | null;
    void saver
      .interrupt()
      .then(() => {
        tf.disposeVariables(); // layers of a rebuild that failed while saving
        return runSanity(m.job, (step) => send({ type: 'step', runId, step }), backend.name, (f) => (fitted = f), abort.signal);
      })
      .then(
        (verdict) => {
          disposeVariablesExcept(fitted);
          const kept = fitted?.model.weights.length ?? 0;
          send({ type: 'verdict', runId, verdict, dirty: tf.memory().numTensors - kept > baseline });
          if (fitted) saver.schedule(fitted, verdict);
        },
        (err: unknown) => {
          if (!(err instanceof SanityCancelled)) throw err;
          tf.disposeVariables();
          send({ type: 'cancelled', runId, dirty: tf.memory().numTensors > baseline });
        },
      )
      .catch((err: unknown) => fatal(err))
      .finally(() => (current = null));
  });
  send({ type: 'ready', backend: backend.name, seconds: (performance.now() - t0) / 1000 });
}

function fatal(err: unknown): void {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  send({ type: 'fatal', message });
  setTimeout(() => process.exit(1), 50);
}

process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);
void main().catch(fatal);
