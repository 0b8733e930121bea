/**
 * The band thread (a worker_threads entry, started by bandWorker.ts): it selects the backend its parent uses,
 * rebuilds the parent's model from the serialised topology and weights it was given (the very model the parent
 * predicts with, pruning included, whatever happened to the checkpoint files since), folds it like the parent
 * (InferenceModel) and answers band predictions one at a time (infer/cropped.ts): a band of input rows in, the
 * band's logits out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { BackendName, selectBackend } from '../backend/ladder';
import type { SplitAxis } from '../infer/bands';
import { BandExecutor } from '../infer/cropped';
import { InferenceModel } from '../infer/fused';
import '../models/registry'; // registers the custom layers the topology may name
import type { BandThreadData, FromBandThread, ToBandThread } from './bandWorker';

function send(m: FromBandThread, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(m, transfer);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

interface Loaded {
  readonly model: tf.LayersModel;
  readonly fused: InferenceModel;
  readonly executors: Map<SplitAxis, BandExecutor | null>;
  /** The ladder's line for this thread's backend. */
  readonly detail: string;
}

async function load(data: BandThreadData): Promise<Loaded> {
  const { detail } = await selectBackend({ prefer: data.backend as BackendName });
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: data.topology, weightSpecs: data.weightSpecs, weightData: data.weightData }));
  return { model, fused: new InferenceModel(model), executors: new Map(), detail };
}

function executor(m: Loaded, axis: SplitAxis): BandExecutor {
  if (!m.executors.has(axis)) m.executors.set(axis, BandExecutor.create(m.model, m.fused.plan, axis));
  const exec = m.executors.get(axis);
  if (!exec) throw new Error(`model ${m.model.name} cannot be predicted in bands along axis ${axis}`);
  return exec;
}

function predict(loaded: Loaded, m: Extract<ToBandThread, { type: 'predict' }>): void {
  try {
    const b = m.band;
    const exec = executor(loaded, b.axis);
    const y = tf.tidy(() => exec.predict(tf.tensor4d(b.input, b.shape), b.start, b.length, b.outStart, b.outEnd));
    const data = (y.dataSync() as Float32Array).slice(); // its own buffer: on cpu, dataSync may share the backend's
    const shape = y.shape.slice();
    y.dispose();
    send({ type: 'result', id: m.id, data, shape }, [data.buffer as ArrayBuffer]);
  } catch (err) {
    send({ type: 'failed', id: m.id, message: firstLine(err) });
  }
}

async function main(): Promise<void> {
  tf.env().set('PROD', true);
  let model: Loaded;
  try {
    model = await load(workerData as BandThreadData);
  } catch (err) {
    send({ type: 'fatal', message: firstLine(err) });
    return; // nothing else keeps the thread alive: it exits
  }
  send({ type: 'ready', backend: tf.getBackend(), detail: model.detail });
  parentPort?.on('message', (m: ToBandThread) => {
    if (m.type === 'predict') predict(model, m);
  });
}

void main();
