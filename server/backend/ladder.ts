/**
 * The TensorFlow.js backend ladder: @tensorflow/tfjs-node-gpu -> WebGPU -> @tensorflow/tfjs-node -> WASM -> pure-JS
 * cpu. `selectBackend` walks it (or tries only the forced rung), switches tfjs to the first usable backend, adds
 * the training kernels, and reports why every faster rung was skipped.
 */
import * as tf from '@tensorflow/tfjs';
import {BackendName, RUNGS, Rung} from './rungs';

export type {BackendName} from './rungs';

/** Every rung, fastest first. */
export const BACKEND_NAMES: readonly BackendName[] = RUNGS.map((r) => r.name);

export interface SkippedBackend {
  name: BackendName;
  /** One line, e.g. "@tensorflow/tfjs-node-gpu is not installed (optional dependency; needs CUDA)". */
  reason: string;
}

export interface SelectedBackend {
  name: BackendName;
  /** Faster rungs that were tried and skipped, in ladder order (empty when a backend was forced). */
  skipped: SkippedBackend[];
  /** e.g. "wasm (SIMD, 1 thread, training kernels added)". */
  detail: string;
}

type Attempt = {ok: true; detail: string} | {ok: false; reason: string};

async function attempt(rung: Rung): Promise<Attempt> {
  const reason = await rung.probe();
  if (reason != null) {
    return {ok: false, reason};
  }
  try {
    return {ok: true, detail: await rung.activate()};
  } catch (err) {
    return {ok: false, reason: err instanceof Error ? err.message : String(err)};
  }
}

function rungNamed(name: string): Rung {
  const rung = RUNGS.find((r) => r.name === name);
  if (rung == null) {
    throw new Error(`unknown backend ${JSON.stringify(name)}: use "auto" or one of ${BACKEND_NAMES.join(', ')}`);
  }
  return rung;
}

/** Names of the other rungs whose probe passes (used to say what to pick instead). */
async function availableExcept(name: BackendName): Promise<BackendName[]> {
  const out: BackendName[] = [];
  for (const rung of RUNGS) {
    if (rung.name !== name && (await rung.probe()) == null) {
      out.push(rung.name);
    }
  }
  return out;
}

async function selectForced(name: BackendName): Promise<SelectedBackend> {
  const result = await attempt(rungNamed(name));
  if (result.ok) {
    return {name, skipped: [], detail: result.detail};
  }
  const available = await availableExcept(name);
  throw new Error(
    `backend "${name}" is not available: ${result.reason}. ` +
      `Available here: ${available.join(', ')}; choose one of them or "auto".`,
  );
}

async function selectAuto(): Promise<SelectedBackend> {
  const skipped: SkippedBackend[] = [];
  for (const rung of RUNGS) {
    const result = await attempt(rung);
    if (result.ok) {
      return {name: rung.name, skipped, detail: result.detail};
    }
    skipped.push({name: rung.name, reason: result.reason});
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/**
 * Picks and activates a backend. `prefer` 'auto' (default) walks the ladder; a backend name forces that rung and
 * throws (saying why, and listing the available ones) when it cannot be used. Sets tfjs' PROD flag first, so tfjs
 * prints no banners or warnings.
 */
export async function selectBackend(opts: {prefer?: BackendName | 'auto'} = {}): Promise<SelectedBackend> {
  tf.env().set('PROD', true);
  const prefer = opts.prefer ?? 'auto';
  return prefer === 'auto' ? selectAuto() : selectForced(rungNamed(prefer).name);
}
