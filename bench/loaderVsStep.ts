/**
 * Loader vs train step, for `npm run bench`: the images per second the worker-thread loader delivers (U-Net
 * paper augmentation: crop, flips, quarter turns, elastic deformation, photometric distortion, at `size`²) and
 * the images per second one train step consumes at the same size (the default U-Net: base 16, depth 4,
 * BatchNorm; forward + backward + Adam), measured one after the other in the same process. The ratio says how
 * far ahead of the step the loader stays; the goal is at least 4x.
 */
import { benchLoader, LoaderBenchResult } from '../server/data/augment/bench';
import { defaultWorkerCount } from '../server/data/augment/loader';

export interface StepTiming {
  readonly backend: string;
  readonly medianMs: number;
  readonly runs: number;
}

export interface LoaderVsStep {
  readonly size: number;
  readonly batchSize: number;
  readonly inThread: LoaderBenchResult;
  readonly workers: LoaderBenchResult;
  readonly step: StepTiming;
  readonly stepImagesPerSecond: number;
  /** Loader (with workers) images/s divided by train-step images/s. */
  readonly ratio: number;
}

/** Measures the loader (in-thread and with workers), then the train step via `stepMs`, at `size`². */
export async function loaderVsStep(
  stepMs: (size: number, batch: number) => Promise<StepTiming>,
  o: { size?: number; batchSize?: number; batches?: number; workers?: number } = {},
): Promise<LoaderVsStep> {
  const size = o.size ?? 256;
  const batchSize = o.batchSize ?? 4;
  const batches = o.batches ?? 10;
  const inThread = await benchLoader({ workers: 0, size, batchSize, batches });
  const workers = await benchLoader({ workers: o.workers ?? defaultWorkerCount(), size, batchSize, batches });
  const step = await stepMs(size, batchSize);
  const stepImagesPerSecond = (batchSize * 1000) / step.medianMs;
  return { size, batchSize, inThread, workers, step, stepImagesPerSecond, ratio: workers.imagesPerSecond / stepImagesPerSecond };
}

/** The RESULTS.md section. */
export function loaderVsStepLines(r: LoaderVsStep): string[] {
  const ips = (v: number): string => (v >= 10 ? v.toFixed(0) : v.toFixed(2));
  return [
    `## Loader vs train step (${r.size}x${r.size}, batch ${r.batchSize})`,
    '',
    "Loader: the U-Net paper's augmentation (crop, flips, quarter turns, elastic deformation, photometric distortion) on",
    `synthetic cell images in shared memory. Train step: the default U-Net (base 16, depth 4, BatchNorm) on ${r.step.backend}.`,
    'Measured one after the other in the same run.',
    '',
    '| what | images/s | per batch |',
    '| --- | ---: | ---: |',
    `| loader, in the training thread | ${ips(r.inThread.imagesPerSecond)} | ${r.inThread.msPerBatch.toFixed(0)} ms |`,
    `| loader, ${r.workers.workers} worker thread${r.workers.workers === 1 ? '' : 's'} | ${ips(r.workers.imagesPerSecond)} | ${r.workers.msPerBatch.toFixed(0)} ms |`,
    `| train step consumes | ${ips(r.stepImagesPerSecond)} | ${(r.step.medianMs / 1000).toFixed(2)} s (median of ${r.step.runs}) |`,
    '',
    `Ratio loader (workers) / train step: **${r.ratio.toFixed(1)}x** (goal: at least 4x).`,
    '',
  ];
}
