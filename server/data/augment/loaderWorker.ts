/**
 * Entry point of a batch-loader worker thread (started by loader.ts from the compiled
 * out/server/data/augment/loaderWorker.js). Opens the sample source once, then builds each requested batch
 * (decode → augment → normalise) and transfers its buffers back. Per-batch errors are reported for that batch;
 * a source that cannot be opened is fatal.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { batchBuilder } from './batch';
import type { BatchJob, WorkerInit, WorkerReply } from './loaderProtocol';
import { toWire } from './loaderProtocol';
import { openSource } from './source';

function post(reply: WorkerReply, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(reply, transfer);
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  let build: ReturnType<typeof batchBuilder>;
  let source: Awaited<ReturnType<typeof openSource>>;
  try {
    build = batchBuilder(init.recipe);
    source = await openSource(init.source);
  } catch (err) {
    post({ type: 'fatal', error: toWire(err) });
    return;
  }
  parentPort?.on('message', (job: BatchJob) => {
    void (async () => {
      try {
        const samples = await Promise.all(job.request.indices.map((i) => source.get(i)));
        const batch = build(samples, job.request);
        const transfer = [batch.x.buffer, batch.y.buffer, ...(batch.weight ? [batch.weight.buffer] : [])] as ArrayBuffer[];
        post({ type: 'batch', id: job.id, batch }, transfer);
      } catch (err) {
        post({ type: 'error', id: job.id, error: toWire(err) });
      }
    })();
  });
  post({ type: 'ready', length: source.length });
}

void main();
