/**
 * WASM heap limit helpers.
 *
 * The WASM backend keeps every tensor in one WebAssembly memory of at most 4 GiB (wasm32; the tfjs build sets
 * maximum 4294967296). A training job that needs more aborts deep inside a kernel, so the trainer profiles one
 * step at batch 1 with `peakBytesOfStep` and extrapolates before starting a job.
 */
import * as tf from '@tensorflow/tfjs';

/** The WASM backend's hard memory ceiling: 4 GiB. */
export const WASM_HEAP_LIMIT_BYTES = 4 * 1024 ** 3;

/**
 * Peak tensor memory of one step, in bytes above what was allocated before it: runs `fn` inside tf.tidy under
 * tf.profile and returns the highest tfjs byte count seen after any kernel, minus the count at the start.
 * Pre-existing tensors (weights) are excluded; tensors `fn` leaves behind are disposed by the tidy.
 * Not counted: scratch buffers inside a kernel (the added training kernels hold transposed copies of their
 * inputs while they run; XNNPACK packs weights), so leave a margin.
 */
export async function peakBytesOfStep(fn: () => void): Promise<number> {
  const start = tf.memory().numBytes;
  const info = await tf.profile(() => {
    tf.tidy(fn);
  });
  const peak = Number.isFinite(info.peakBytes) ? info.peakBytes : start;
  return Math.max(0, peak - start);
}

/** Current size of the WASM backend's heap (it only grows), or null when the active backend is not WASM. */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') {
    return null;
  }
  const heap = (tf.backend() as {wasm?: {HEAPU8?: Uint8Array}}).wasm?.HEAPU8;
  return heap != null ? heap.buffer.byteLength : null;
}
