/**
 * Multi-threaded WASM in Node. tfjs-backend-wasm ships a threaded SIMD build (XNNPACK on a pthreadpool) but never
 * uses it in Node: it hard-codes WASM_HAS_MULTITHREAD_SUPPORT to false there (tfjs issue 3830), hands Emscripten
 * the pthread worker script as a blob: URL that Node's worker_threads cannot load, and caps the pool at half the
 * logical cores (one thread on a two-core machine). `startThreadedWasm` lifts all three for the duration of the
 * backend's initialisation:
 * - the flag is set to true;
 * - the worker script is written to a file (once per tfjs version, atomically) whose `importScripts` loads the
 *   threaded glue from node_modules, and `URL.createObjectURL` returns that file's path;
 * - `os.cpus()` reports twice the cores, so tfjs' halving leaves the count we asked for with setThreadsCount.
 * `finishThreadedWasm` then lets the process exit with the pool idle (its threads wait forever on work) and frees
 * the pre-spawned workers the pool does not use. Measured here: 3x3 convolutions 1.6-1.9x faster on two cores.
 *
 * SEGLAB_WASM_THREADS=N sets the thread count (1 turns threads off); the default is one per logical core, at most 8.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** The os module object itself (the glue calls require('os').cpus()); `import * as` would give a frozen copy. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const osModule = require('node:os') as {cpus: typeof os.cpus};

export const WASM_THREADS_ENV = 'SEGLAB_WASM_THREADS';
/** Emscripten's pool of pre-spawned pthread workers in this build (PTHREAD_POOL_SIZE). */
const MAX_WASM_THREADS = 8;

/** The thread count asked for by SEGLAB_WASM_THREADS, or the default; throws a message naming the variable. */
export function requestedWasmThreads(env: NodeJS.ProcessEnv = process.env, cores = os.cpus().length): number {
  const raw = env[WASM_THREADS_ENV];
  if (raw == null || raw.trim() === '') {
    return Math.max(1, Math.min(cores, MAX_WASM_THREADS));
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
    throw new Error(
      `${WASM_THREADS_ENV}=${JSON.stringify(raw)} is not a thread count: use a whole number from 1 to ${MAX_WASM_THREADS} (1 = single-threaded WASM)`,
    );
  }
  return n;
}

interface WasmPackage {
  setThreadsCount(n: number): void;
}

/** The Emscripten runtime's pthread bookkeeping (the parts used here). */
interface PThreadRuntime {
  unusedWorkers: Array<{terminate(): unknown; unref(): void}>;
  runningWorkers: Array<{unref(): void}>;
}

/** Where the threaded build lives, and the worker script Node can start; null when the package lacks it. */
function threadedBuild(): {glue: string; workerContents: string} | null {
  let workerModule: string;
  try {
    workerModule = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
  } catch {
    return null;
  }
  const glue = path.join(path.dirname(workerModule), 'tfjs-backend-wasm-threaded-simd.js');
  const contents = (require(workerModule) as {wasmWorkerContents?: unknown}).wasmWorkerContents;
  if (typeof contents !== 'string' || !fs.existsSync(glue)) {
    return null;
  }
  // tfjs re-escapes newlines the same way before making its blob (the contents hold string literals with \n).
  return {glue, workerContents: contents.replace(/\n/g, '\\n')};
}

function sameText(file: string, text: string): boolean {
  try {
    return fs.readFileSync(file, 'utf8') === text;
  } catch {
    return false;
  }
}

/** Writes the worker script Node's worker_threads can load; returns its path. Safe against concurrent writers. */
function writeWorkerScript(glue: string, workerContents: string): string {
  // Inside the worker: importScripts(<blob URL of the glue>) becomes a load of the glue file, and the glue's own
  // blob URLs (none are needed there) get harmless placeholders.
  const text =
    `${workerContents}\n;{const load=importScripts;importScripts=()=>load(${JSON.stringify(glue)});` +
    `URL.createObjectURL=()=>'seglab-unused';URL.revokeObjectURL=()=>{};}\n`;
  const hash = crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'seglab-wasm');
  const file = path.join(dir, `pthread-worker-${tf.version_core}-${hash}.js`);
  // Reused only when it holds exactly this text: a worker script that fails to load takes the process down
  // (Emscripten rethrows the worker's error), so a damaged or foreign file is replaced, never trusted.
  if (!sameText(file, text)) {
    fs.mkdirSync(dir, {recursive: true});
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return file;
}

/**
 * Prepares tfjs-backend-wasm (already required, not yet initialised) to start `threads` threads. Returns a function
 * to call once `tf.setBackend('wasm')` settled (it undoes the temporary patches), or null when threads are not
 * asked for or the threaded build is missing (the backend then starts single-threaded as before).
 */
export function startThreadedWasm(pkg: WasmPackage, threads: number): (() => void) | null {
  if (threads <= 1) {
    return null;
  }
  const build = threadedBuild();
  if (build == null) {
    return null;
  }
  const workerFile = writeWorkerScript(build.glue, build.workerContents);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  pkg.setThreadsCount(threads);
  const createObjectURL = URL.createObjectURL;
  const cpus = osModule.cpus;
  // The glue's only blob is the worker script (tfjs' locateFile for *.worker.js).
  URL.createObjectURL = () => workerFile;
  // tfjs calls emscripten_num_logical_cores() (os.cpus().length in Node) and keeps half of it.
  osModule.cpus = () => {
    const real = cpus();
    return real.concat(real);
  };
  return () => {
    URL.createObjectURL = createObjectURL;
    osModule.cpus = cpus;
  };
}

/**
 * After a threaded start: unreferences the pool's threads (they wait for work forever and would keep Node from
 * exiting) and terminates the pre-spawned workers the pool did not take.
 */
export function finishThreadedWasm(): void {
  const runtime = (tf.backend() as {wasm?: {PThread?: PThreadRuntime}}).wasm?.PThread;
  if (runtime == null) {
    return;
  }
  for (const worker of runtime.runningWorkers) {
    worker.unref();
  }
  for (const worker of runtime.unusedWorkers.splice(0)) {
    void worker.terminate();
  }
}

/** Threads the active backend computes on when it is wasm; 1 for any other backend (or none yet). */
export function activeWasmThreads(): number {
  if (tf.getBackend() !== 'wasm') {
    return 1;
  }
  const pkg = require('@tensorflow/tfjs-backend-wasm') as {getThreadsCount(): number};
  return pkg.getThreadsCount();
}
