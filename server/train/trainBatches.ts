/**
 * The trainer's batch stream. With `train.loader.workers` > 0 batches are augmented in worker threads
 * (server/data/augment/loader.ts) from the training samples packed once into shared memory, with a prefetch queue;
 * with 0 they are built in this thread when the step asks. Either way batch `step` of `epoch` is built from
 * `TrainSampler.request(epoch, step)` by the same code, so its bytes do not depend on the worker count and a
 * resumed run sees exactly the batches it would have seen.
 */
import type { ResolvedConfig } from '../config/load';
import { BatchLoader, defaultWorkerCount } from '../data/augment/loader';
import { packSamples } from '../data/augment/source';
import { BatchContext, recipeOf, TensorBatch, toTensors, TrainSampler } from './batches';
import type { TrainSample } from './weightMaps';

/** `train.loader.workers` as a number ('auto': CPU cores - 1, at most 4). */
export function workerCountOf(loader: ResolvedConfig['train']['loader']): number {
  return loader.workers === 'auto' ? defaultWorkerCount() : loader.workers;
}

export class TrainBatches {
  readonly sampler: TrainSampler;
  readonly workers: number;
  private loader: Promise<BatchLoader> | null = null;

  constructor(
    private readonly ctx: BatchContext & { readonly train: readonly TrainSample[] },
    stepsPerEpoch: number,
    workers = workerCountOf(ctx.cfg.train.loader),
  ) {
    this.sampler = new TrainSampler(ctx, stepsPerEpoch);
    this.workers = workers;
  }

  private open(): Promise<BatchLoader> {
    this.loader ??= BatchLoader.open({
      source: packSamples(this.ctx.train),
      recipe: recipeOf(this.ctx),
      workers: this.workers,
      prefetch: this.ctx.cfg.train.loader.prefetch,
    });
    return this.loader;
  }

  /** Batches `fromStep` .. `toStep - 1` of `epoch`, as tensors the caller disposes. */
  async *epoch(epoch: number, fromStep: number, toStep: number): AsyncGenerator<TensorBatch> {
    if (this.workers === 0) {
      for (let s = fromStep; s < toStep; s++) yield this.sampler.batch(epoch, s);
      return;
    }
    const loader = await this.open();
    const requests = Array.from({ length: Math.max(0, toStep - fromStep) }, (_, k) => this.sampler.request(epoch, fromStep + k));
    for await (const b of loader.batches(requests)) yield toTensors(b);
  }

  /** Stops the worker threads (if any were started). */
  async dispose(): Promise<void> {
    const loader = this.loader;
    this.loader = null;
    if (loader) await loader.then((l) => l.dispose(), () => undefined);
  }
}
