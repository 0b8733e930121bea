/**
 * Memory estimate for a training job, made before it starts. The WASM backend's heap cannot grow past 4 GiB and
 * overflowing it aborts the module uncatchably, so a job that would not fit is refused with the largest batch and
 * crop that would.
 */
import { formatBytes } from './units';

/** Peak tensor bytes of one training step at batch 1 and batch 2, at the training crop. */
export interface StepProfile {
  readonly peakBatch1: number;
  readonly peakBatch2: number;
}

/** Thrown when a job is estimated not to fit; the CLI prints the message alone. */
export class MemoryBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryBudgetError';
  }
}

/** Peak bytes at `batch`, extrapolated linearly from the batch-1 and batch-2 profiles. */
export function estimatePeakBytes(p: StepProfile, batch: number): number {
  const perImage = Math.max(0, p.peakBatch2 - p.peakBatch1);
  return p.peakBatch1 + (batch - 1) * perImage;
}

/**
 * Checks the estimate against `budgetBytes` (the part of the heap tensors may use). Throws a
 * {@link MemoryBudgetError} naming the largest batch at this crop, and the largest crop at this batch, that fit.
 */
export function checkMemoryBudget(
  p: StepProfile,
  batch: number,
  crop: readonly [number, number],
  stride: number,
  budgetBytes: number,
  heapName: string,
): number {
  const need = estimatePeakBytes(p, batch);
  if (need <= budgetBytes) return need;
  const perImage = Math.max(1, p.peakBatch2 - p.peakBatch1);
  const fixed = p.peakBatch1 - perImage;
  const maxBatch = Math.floor((budgetBytes - fixed) / perImage);
  const areaScale = (budgetBytes - fixed) / (batch * perImage);
  const side = (s: number): number => Math.floor((s * Math.sqrt(Math.max(0, areaScale))) / stride) * stride;
  const [h, w] = crop;
  const options: string[] = [];
  if (maxBatch >= 1) options.push(`train.batchSize ${maxBatch} at ${h}x${w}`);
  if (side(h) >= stride && side(w) >= stride) options.push(`input.size [${side(h)}, ${side(w)}] at batch ${batch}`);
  const fix = options.length ? `largest that fit: ${options.join(', or ')}` : 'even batch 1 does not fit: use a smaller model (model.baseFilters) or input.size';
  throw new MemoryBudgetError(
    `this job needs about ${formatBytes(need)} for tensors (batch ${batch} at ${h}x${w}) but ${heapName} allows ` +
      `${formatBytes(budgetBytes)}; ${fix}. (Estimated from a profiled step before training, so nothing was lost.)`,
  );
}
