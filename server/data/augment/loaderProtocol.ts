/** Messages between the batch loader and its worker threads, and how errors cross the thread boundary. */
import { DataError } from '../types';
import type { Batch, BatchRecipe, BatchRequest } from './batch';
import type { SampleSource } from './source';

/** `workerData` of a loader worker. */
export interface WorkerInit {
  readonly source: SampleSource;
  readonly recipe: BatchRecipe;
}

/** Main thread → worker. */
export interface BatchJob {
  readonly type: 'batch';
  readonly id: number;
  readonly request: BatchRequest;
}

/** An error as plain data: its class name, message and (for DataError) the file it names. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly file?: string;
}

/** Worker → main thread. */
export type WorkerReply =
  | { readonly type: 'ready'; readonly length: number }
  | { readonly type: 'fatal'; readonly error: WireError }
  | { readonly type: 'batch'; readonly id: number; readonly batch: Batch }
  | { readonly type: 'error'; readonly id: number; readonly error: WireError };

export function toWire(err: unknown): WireError {
  const e = err instanceof Error ? err : new Error(String(err));
  const file = (e as Partial<DataError>).file;
  return { name: e.name, message: e.message, ...(typeof file === 'string' ? { file } : {}) };
}

/** Rebuilds a worker's error in this thread: DataErrors stay DataErrors (the CLI prints them without a stack). */
export function fromWire(w: WireError): Error {
  if (w.name === 'DataError') return new DataError(w.message, w.file);
  const e = new Error(w.message);
  e.name = w.name;
  return e;
}
