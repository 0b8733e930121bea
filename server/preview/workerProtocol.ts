/** Messages between the server (server/preview/pool.ts) and a predictor process (worker.ts). No tfjs. */
import type { CachedPreview } from './cache';
import type { PredictRequest } from './predictor';
import type { CheckpointName } from './runModel';

/** server → predictor. `init` comes first, once; then any number of `predict`, one at a time. */
export type ToPredictor =
  | { readonly type: 'init'; readonly runDir: string; readonly checkpoint: CheckpointName; readonly backend: string }
  | { readonly type: 'predict'; readonly id: number; readonly request: PredictRequest };

/** predictor → server. */
export type FromPredictor =
  /** Backend selected and the run read: requests are answered from now on. */
  | { readonly type: 'ready'; readonly backend: string }
  | { readonly type: 'result'; readonly id: number; readonly result: CachedPreview }
  /** The request failed; 'user': bad input, the message says what to fix; 'internal' carries the stack for the log. */
  | { readonly type: 'failed'; readonly id: number; readonly kind: 'user' | 'internal'; readonly message: string; readonly stack?: string }
  /** The predictor failed outside a request (no backend, unreadable run) and exits. */
  | { readonly type: 'fatal'; readonly kind: 'user' | 'internal'; readonly message: string; readonly stack?: string };

const TYPES = ['ready', 'result', 'failed', 'fatal'];

/** Checks a message from a predictor process. */
export function isFromPredictor(m: unknown): m is FromPredictor {
  return typeof m === 'object' && m !== null && TYPES.includes((m as { type?: unknown }).type as string);
}
