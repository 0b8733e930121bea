/** Messages between the server (server/sanity/runner.ts) and its sanity worker process (worker.ts). No tfjs. */
import type { SanityStepReport, SanityVerdict } from '../protocol';
import type { SanitySettingsInput } from './settings';

/** What the server asks the worker to check (paths absolute). */
export interface SanityJob {
  readonly runId: string;
  readonly configPath: string | null;
  readonly cwd: string;
  readonly modulePath?: string;
  readonly settings?: SanitySettingsInput;
}

/** server → worker. `cancel`: stop that run at its next step boundary (the worker stays warm for the next one). */
export type ToSanityWorker = { readonly type: 'run'; readonly job: SanityJob } | { readonly type: 'cancel'; readonly runId: string };

/** worker → server. */
export type FromSanityWorker =
  /** Backend selected and warmed up: runs start at once from now on. */
  | { readonly type: 'ready'; readonly backend: string; readonly seconds: number }
  | { readonly type: 'step'; readonly runId: string; readonly step: SanityStepReport }
  /** `dirty`: the run left tensors the worker could not free; the server replaces the worker. */
  | { readonly type: 'verdict'; readonly runId: string; readonly verdict: SanityVerdict; readonly dirty: boolean }
  /** The run stopped on a `cancel` and its tensors are freed (`dirty`: some could not be). */
  | { readonly type: 'cancelled'; readonly runId: string; readonly dirty: boolean }
  /** The worker failed outside a run (e.g. no backend) and exits. */
  | { readonly type: 'fatal'; readonly message: string }
  /** A line for the server log (e.g. where the sanity model was saved, or why not). */
  | { readonly type: 'log'; readonly message: string };

const TYPES = ['ready', 'step', 'verdict', 'cancelled', 'fatal', 'log'];

/** Checks a message from the worker. */
export function isFromSanityWorker(m: unknown): m is FromSanityWorker {
  return typeof m === 'object' && m !== null && TYPES.includes((m as { type?: unknown }).type as string);
}
