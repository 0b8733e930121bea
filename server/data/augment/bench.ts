/**
 * Loader throughput for `npm run bench`: images per second that the worker loader delivers at 256×256 with the
 * U-Net paper's augmentation (crop, flips, quarter turns, elastic deformation, photometric distortion), from
 * synthetic cell images held in shared memory. Compare with the train step's images per second (batch / step
 * time) measured in the same run.
 */
import { SyntheticDataset } from '../synthetic';
import type { RawSample } from '../types';
import type { BatchRecipe, BatchRequest } from './batch';
import { BatchLoader } from './loader';
import { packSamples } from './source';
import { AUGMENT_PRESETS } from './spec';

export interface LoaderBenchOptions {
  /** Worker threads (0 = in-process). */
  readonly workers: number;
  readonly size?: number;
  readonly batchSize?: number;
  /** Timed batches (after 2 warm-up batches). */
  readonly batches?: number;
}

export interface LoaderBenchResult {
  readonly workers: number;
  readonly size: number;
  readonly batchSize: number;
  readonly batches: number;
  readonly imagesPerSecond: number;
  readonly msPerBatch: number;
}

/** Measures the loader alone (nothing else running in this process). */
export async function benchLoader(o: LoaderBenchOptions): Promise<LoaderBenchResult> {
  const size = o.size ?? 256;
  const batchSize = o.batchSize ?? 8;
  const batches = o.batches ?? 10;
  const ds = new SyntheticDataset({ kind: 'cells', count: 8, size: Math.round(size * 1.25), seed: 1 });
  const samples: RawSample[] = [];
  for (let i = 0; i < ds.length; i++) samples.push(await ds.get(i));
  const recipe: BatchRecipe = {
    steps: AUGMENT_PRESETS.unetPaper,
    inputSize: [size, size],
    resize: 'crop',
    inChannels: 1,
    normalize: { mean: [0.5], std: [0.25] },
    ignoreIndex: 255,
  };
  const request = (k: number): BatchRequest => ({
    indices: Array.from({ length: batchSize }, (_, i) => (k * batchSize + i) % samples.length),
    seed: k,
  });
  const loader = await BatchLoader.open({ source: packSamples(samples), recipe, workers: o.workers });
  try {
    for await (const b of loader.batches([request(0), request(1)])) void b; // warm-up: JIT, worker start
    const t0 = performance.now();
    let images = 0;
    for await (const b of loader.batches(Array.from({ length: batches }, (_, k) => request(k + 2)))) images += b.size;
    const ms = performance.now() - t0;
    return { workers: o.workers, size, batchSize, batches, imagesPerSecond: (images * 1000) / ms, msPerBatch: ms / batches };
  } finally {
    await loader.dispose();
  }
}
