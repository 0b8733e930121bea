import type { WasmMemory, WasmModule } from './wasmApi';

/** The control block shared by runtime.ts and its worker threads (Int32 words in the wasm heap). */

export const CONTROL = {
  /** Bumped by the owner to start a job (or to stop). */
  seq: 0,
  /** Workers that finished the current job. */
  done: 1,
  /** Set by a worker whose kernel call threw. */
  failed: 2,
  /** Set before the last bump: workers leave their loop. */
  stop: 3,
  /** Workers whose kernel instance is up. */
  ready: 4,
  /** First word of the per-slot arguments. */
  args: 5,
  /**
   * Words per slot: the function (KERNELS index), 1 when the slot has rows in this job, then the function's
   * arguments (17 at most).
   */
  argCount: 19,
  words(slots: number): number {
    return CONTROL.args + slots * CONTROL.argCount;
  },
} as const;

/** The module's exported kernels, by the index a slot names. */
export const KERNELS = ['conv', 'upconv'] as const;

export interface ThreadData {
  readonly memory: WasmMemory;
  readonly module: WasmModule;
  /** Byte offset of the control block. */
  readonly control: number;
  readonly slots: number;
  readonly slot: number;
}
