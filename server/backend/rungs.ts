/**
 * The rungs of the backend ladder: how each TensorFlow.js backend is detected and switched on in Node.
 * Optional packages (@tensorflow/tfjs-node, @tensorflow/tfjs-node-gpu, webgpu) are loaded with guarded requires.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {installTrainingKernels} from './wasmKernels';
import {finishThreadedWasm, requestedWasmThreads, startThreadedWasm} from './wasmThreads';
import {AdapterReport, adapterName, probeWebGpuAdapter} from './webgpuProbe';

export type BackendName = 'node-gpu' | 'webgpu' | 'node' | 'wasm' | 'cpu';

export interface Rung {
  readonly name: BackendName;
  /** A one-line reason to skip this rung, or null when it looks usable. Loads nothing into tfjs. */
  probe(): Promise<string | null>;
  /** Makes this the active tfjs backend and returns a one-line detail; throws Error(reason) when it cannot. */
  activate(): Promise<string>;
}

/** True when `name` can be resolved from here (an installed package). */
export function isInstalled(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim();
}

/** Switches to a registered tfjs backend; throws `failure` when initialisation fails (tfjs only returns false). */
async function switchTo(tfName: string, failure: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(tfName);
  } catch (err) {
    throw new Error(`${failure}: ${firstLine(err)}`);
  }
  if (!ok || tf.getBackend() !== tfName) {
    throw new Error(failure);
  }
}

// ---------------------------------------------------------------- tfjs-node(-gpu)

/** Which native package registered the 'tensorflow' backend in this process, if any. */
let tensorflowFrom: string | null = null;

/** Loads a tfjs-node package; it registers (and selects) the 'tensorflow' backend on import. */
function loadTfjsNode(pkg: string): void {
  if (tensorflowFrom != null) {
    return;
  }
  try {
    require(pkg);
  } catch (err) {
    throw new Error(`${pkg} is installed but failed to load: ${firstLine(err)}`);
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    throw new Error(
      `${pkg} loaded but registered its backend in another copy of @tensorflow/tfjs ` +
        `(install the version matching @tensorflow/tfjs ${tf.version_core})`,
    );
  }
  tensorflowFrom = pkg;
}

const nodeGpu: Rung = {
  name: 'node-gpu',
  async probe() {
    return isInstalled('@tensorflow/tfjs-node-gpu') ? null : '@tensorflow/tfjs-node-gpu is not installed (optional dependency; needs CUDA)';
  },
  async activate() {
    loadTfjsNode('@tensorflow/tfjs-node-gpu');
    if (tensorflowFrom !== '@tensorflow/tfjs-node-gpu') {
      throw new Error(`@tensorflow/tfjs-node-gpu cannot load: ${tensorflowFrom} is already loaded in this process`);
    }
    await switchTo('tensorflow', '@tensorflow/tfjs-node-gpu: the TensorFlow backend failed to initialise');
    if ((tf.backend() as {isUsingGpuDevice?: boolean}).isUsingGpuDevice === false) {
      throw new Error('@tensorflow/tfjs-node-gpu loaded but TensorFlow sees no CUDA GPU (check the CUDA/cuDNN install)');
    }
    installTrainingKernels('tensorflow');
    return 'tensorflow (tfjs-node-gpu, CUDA)';
  },
};

const node: Rung = {
  name: 'node',
  async probe() {
    if (tensorflowFrom != null || isInstalled('@tensorflow/tfjs-node')) {
      return null;
    }
    return '@tensorflow/tfjs-node is not installed (optional dependency; `npm install @tensorflow/tfjs-node` for native CPU speed)';
  },
  async activate() {
    loadTfjsNode('@tensorflow/tfjs-node');
    await switchTo('tensorflow', `${tensorflowFrom}: the TensorFlow backend failed to initialise`);
    installTrainingKernels('tensorflow');
    return tensorflowFrom === '@tensorflow/tfjs-node' ? 'tensorflow (tfjs-node, native CPU)' : `tensorflow (native CPU via ${tensorflowFrom})`;
  },
};

// ---------------------------------------------------------------- WebGPU

let webgpuAdapter: AdapterReport | null = null;

interface DawnModule {
  create(options: string[]): unknown;
  globals: object;
}

/** Makes `navigator.gpu` available (Node 20 has no navigator; Node 21+ has one without gpu). */
function exposeGpu(gpu: unknown): void {
  const g = globalThis as {navigator?: object};
  const nav = g.navigator ?? {};
  Object.defineProperty(nav, 'gpu', {value: gpu, configurable: true, writable: true});
  if (g.navigator == null) {
    Object.defineProperty(globalThis, 'navigator', {value: nav, configurable: true, writable: true});
  }
}

const webgpu: Rung = {
  name: 'webgpu',
  async probe() {
    if (!isInstalled('webgpu')) {
      return "WebGPU: the optional 'webgpu' package is not installed";
    }
    if (!isInstalled('@tensorflow/tfjs-backend-webgpu')) {
      return 'WebGPU: @tensorflow/tfjs-backend-webgpu is not installed';
    }
    const result = await probeWebGpuAdapter(require.resolve('webgpu'));
    if (!result.ok) {
      return result.reason;
    }
    webgpuAdapter = result.adapter;
    return null;
  },
  async activate() {
    if (tf.findBackendFactory('webgpu') == null) {
      const specifier = 'webgpu'; // a variable keeps tsc from resolving (and typing) the optional ESM package
      const dawn = (await import(specifier)) as DawnModule;
      Object.assign(globalThis, dawn.globals);
      exposeGpu(dawn.create([]));
      require('@tensorflow/tfjs-backend-webgpu'); // registers 'webgpu' only when navigator.gpu exists
    }
    if (tf.findBackendFactory('webgpu') == null) {
      throw new Error('WebGPU: @tensorflow/tfjs-backend-webgpu did not register (it was loaded before navigator.gpu was set)');
    }
    await switchTo('webgpu', 'WebGPU: the tfjs webgpu backend failed to initialise');
    installTrainingKernels('webgpu');
    return `webgpu (${webgpuAdapter != null ? adapterName(webgpuAdapter) : 'adapter'})`;
  },
};

// ---------------------------------------------------------------- WASM and pure JS

interface WasmModule {
  setWasmPaths(prefix: string): void;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

const wasm: Rung = {
  name: 'wasm',
  async probe() {
    if (typeof (globalThis as {WebAssembly?: unknown}).WebAssembly !== 'object') {
      return 'WASM: WebAssembly is not available in this Node.js';
    }
    return isInstalled('@tensorflow/tfjs-backend-wasm') ? null : 'WASM: @tensorflow/tfjs-backend-wasm is not installed';
  },
  async activate() {
    const mod = require('@tensorflow/tfjs-backend-wasm') as WasmModule;
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    const failure = `WASM: the backend failed to initialise (are the tfjs-backend-wasm*.wasm files in ${dir}?)`;
    let threadNote = '';
    let restore: (() => void) | null = null;
    if (tf.findBackend('wasm') == null) {
      mod.setWasmPaths(dir + path.sep); // explicit, so bundling the server cannot break the lookup
      try {
        restore = startThreadedWasm(mod, requestedWasmThreads());
      } catch (err) {
        threadNote = `; single-threaded: ${firstLine(err)}`;
      }
    }
    if (restore != null) {
      try {
        await switchTo('wasm', failure);
        finishThreadedWasm();
      } catch (err) {
        // Single-threaded is the stock path: retry on it rather than lose the rung.
        threadNote = `; threads failed: ${firstLine(err)}`;
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
        mod.setThreadsCount(1);
      } finally {
        restore();
      }
    }
    if (tf.getBackend() !== 'wasm') {
      await switchTo('wasm', failure);
    }
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    const threads = mod.getThreadsCount();
    installTrainingKernels('wasm');
    return `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}, training kernels added${threadNote})`;
  },
};

const cpu: Rung = {
  name: 'cpu',
  async probe() {
    return null;
  },
  async activate() {
    await switchTo('cpu', 'cpu: the pure-JS backend failed to initialise');
    installTrainingKernels('cpu');
    return 'cpu (pure JS, training kernels added)';
  },
};

/** The ladder, fastest first. */
export const RUNGS: readonly Rung[] = [nodeGpu, webgpu, node, wasm, cpu];
