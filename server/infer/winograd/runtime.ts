/**
 * Runs the Winograd kernel (kernel.ts) on the tfjs WASM backend's own heap: inputs, transformed filters and
 * outputs are ordinary wasm tensors, read and written in place. With the threaded tfjs build (shared heap) the
 * tile rows are split between this thread and `threads − 1` worker threads (thread.ts), as XNNPACK splits its
 * convolutions; each participant has its own scratch block.
 *
 * The kernel uses the relaxed-SIMD fused multiply-add when the engine accepts it (Node 20 needs V8's
 * --experimental-wasm-relaxed-simd, set here at run time; newer engines ship it). SEGLAB_WINOGRAD_FMA=0 turns it
 * off.
 */
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { CONTROL, KERNELS, type ThreadData } from './control';
import { encodeModule, FunctionBody } from './emit';
import { winogradModule } from './kernel';
import { wasmApi, type WasmMemory } from './wasmApi';

/** The parts of the tfjs WASM backend this uses. */
export interface WasmBackendLike {
  readonly wasm: {
    readonly wasmMemory?: WasmMemory;
    readonly asm?: { readonly memory?: WasmMemory };
    _malloc(bytes: number): number;
    _free(ptr: number): void;
  };
  readonly dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

let fmaProbe: boolean | null = null;

/** Whether this engine compiles f32x4.relaxed_madd (turning V8's flag on once when it does not by default). */
export function relaxedSimd(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.SEGLAB_WINOGRAD_FMA === '0') return false;
  if (fmaProbe == null) {
    const f = new FunctionBody(['v128', 'v128', 'v128'], ['v128']);
    const acc = f.local('v128');
    f.get(2).set(acc).maddInto(acc, 0, 1, true).get(acc);
    const bytes = encodeModule([{ name: 'madd', body: f }], false);
    const compiles = (): boolean => {
      try {
        new wasmApi.Module(bytes);
        return true;
      } catch {
        return false;
      }
    };
    fmaProbe = compiles();
    if (!fmaProbe) {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      fmaProbe = compiles();
    }
  }
  return fmaProbe;
}

/**
 * Tiles per block: 16 (measured best from 16 to 256 channels at 32² to 512² here), fewer when V and M
 * (64·nb·(C+Co) bytes) would pass 1 MiB; always a multiple of 4 (the product's row block).
 */
export function tileBlock(cIn: number, cOut: number): number {
  for (const nb of [16, 8]) if (64 * nb * (cIn + cOut) <= 1024 * 1024) return nb;
  return 4;
}

/** Splits `rows` tile rows into at most `parts` contiguous ranges, largest first. */
export function splitRows(rows: number, parts: number): [number, number][] {
  const n = Math.max(1, Math.min(parts, rows));
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = start + Math.ceil((rows - start) / (n - i));
    out.push([start, end]);
    start = end;
  }
  return out;
}

interface Block {
  ptr: number;
  bytes: number;
}

export class WinogradRuntime {
  /** Participants per convolution (this thread included) once the workers are up. */
  readonly threads: number;
  readonly fma: boolean;
  private readonly memory: WasmMemory;
  private readonly kernels: ((...args: number[]) => void)[];
  private readonly scratch: Block[];
  private zero: Block = { ptr: 0, bytes: 0 };
  private readonly control: { readonly ptr: number; readonly words: Int32Array } | null = null;
  private readonly workers: Worker[] = [];
  private broken: string | null = null;
  private disposed = false;

  /** `script`: the worker threads' module (tests give one that fails to load). */
  constructor(private readonly backend: WasmBackendLike, threads: number, env: NodeJS.ProcessEnv = process.env, script = path.join(__dirname, 'thread.js')) {
    const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
    if (memory == null) throw new Error('winograd: the tfjs WASM backend does not expose its memory');
    this.memory = memory;
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    this.fma = relaxedSimd(env);
    const module = new wasmApi.Module(winogradModule(this.fma, shared));
    const { exports } = new wasmApi.Instance(module, { env: { memory } });
    this.kernels = KERNELS.map((name) => exports[name] as (...args: number[]) => void);
    this.threads = shared ? Math.max(1, Math.min(8, Math.floor(threads))) : 1;
    this.scratch = Array.from({ length: this.threads }, () => ({ ptr: 0, bytes: 0 }));
    if (this.threads > 1) {
      const slots = this.threads - 1;
      const bytes = CONTROL.words(slots) * 4;
      const ptr = backend.wasm._malloc(bytes);
      const words = new Int32Array(memory.buffer, ptr, CONTROL.words(slots));
      words.fill(0);
      this.control = { ptr, words };
      for (let slot = 0; slot < slots; slot++) {
        const workerData: ThreadData = { memory, module, control: ptr, slots, slot };
        const worker = new Worker(script, { workerData });
        worker.on('error', (err) => {
          this.broken = `winograd thread ${slot}: ${err.message}`;
          process.stderr.write(`${this.broken}; SegLab kernels continue on one thread\n`);
        });
        worker.unref();
        this.workers.push(worker);
      }
    }
  }

  /**
   * conv3x3(concat(inputs)) with the transformed filter `u` ([16, C, Co]) and `bias` ([Co]), zero padding `pad`
   * (0 or 1), then ReLU when `relu`: a new NHWC float32 tensor of the backend.
   */
  conv3x3(inputs: readonly tf.TensorInfo[], u: tf.TensorInfo, bias: tf.TensorInfo, pad: 0 | 1, relu: boolean): tf.TensorInfo {
    const [a, b] = inputs;
    const [n, h, w, ca] = a.shape;
    const cb = b?.shape[3] ?? 0;
    const cOut = u.shape[2];
    const [hOut, wOut] = [h + 2 * pad - 2, w + 2 * pad - 2];
    const out = this.output([n, hOut, wOut, cOut]);
    if (n * hOut * wOut * cOut === 0) return out;
    const nb = tileBlock(ca + cb, cOut);
    this.ensure(64 * nb * (ca + cb + cOut), Math.max(ca, cb));
    const [pa, pb, pu, pBias, pOut] = [this.offset(a), b ? this.offset(b) : 0, this.offset(u), this.offset(bias), this.offset(out)];
    for (let i = 0; i < n; i++) {
      this.dispatch(0, Math.ceil(hOut / 2), (slot, [ty0, ty1]) => [
        pa + i * h * w * ca * 4, ca, pb + i * h * w * cb * 4, cb, h, w, pad, pu, pBias, relu ? 1 : 0,
        pOut + i * hOut * wOut * cOut * 4, cOut, ty0, ty1, this.scratch[slot].ptr, nb, this.zero.ptr,
      ]);
    }
    return out;
  }

  /**
   * The 2×2, stride-2 transposed convolution of `x` with `u` ([C, 4·Co]: column (2·dy + dx)·Co + co) and
   * `bias` ([Co]), then ReLU when `relu`: a new [N, 2H, 2W, Co] tensor.
   */
  upconv2x2(x: tf.TensorInfo, u: tf.TensorInfo, bias: tf.TensorInfo, relu: boolean): tf.TensorInfo {
    const [n, h, w, c] = x.shape;
    const cOut = u.shape[1] / 4;
    const out = this.output([n, 2 * h, 2 * w, cOut]);
    if (n * h * w * cOut === 0) return out;
    const [px, pu, pBias, pOut] = [this.offset(x), this.offset(u), this.offset(bias), this.offset(out)];
    for (let i = 0; i < n; i++) {
      this.dispatch(1, h, (_, [y0, y1]) => [px + i * h * w * c * 4, c, h, w, pu, pBias, relu ? 1 : 0, pOut + i * 4 * h * w * cOut * 4, cOut, y0, y1]);
    }
    return out;
  }

  /** Frees the heap blocks and stops the worker threads. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.control != null) {
      const { ptr, words } = this.control;
      Atomics.store(words, CONTROL.stop, 1);
      Atomics.add(words, CONTROL.seq, 1);
      Atomics.notify(words, CONTROL.seq);
      // The workers read the block until they leave: it is freed once they all have.
      void Promise.all(this.workers.map((w) => w.terminate())).then(() => {
        try {
          this.backend.wasm._free(ptr);
        } catch {
          // the backend went away with its heap
        }
      });
    }
    for (const block of [...this.scratch, this.zero]) if (block.bytes > 0) this.backend.wasm._free(block.ptr);
  }

  /** Whether every worker has its instance (until then, and after a failure, convolutions run on this thread). */
  get threadsReady(): boolean {
    return this.control != null && this.broken == null && Atomics.load(this.control.words, CONTROL.ready) === this.workers.length;
  }

  private output(shape: number[]): tf.TensorInfo {
    if (this.disposed) throw new Error('winograd: the runtime was disposed');
    return this.backend.makeOutput(shape, 'float32');
  }

  private offset(t: tf.TensorInfo): number {
    const d = this.backend.dataIdMap.get(t.dataId);
    if (d == null) throw new Error('winograd: a tensor is not on the WASM backend');
    return d.memoryOffset;
  }

  /** Runs kernel `fn` over `rows` rows, split between the participants; `args` gives each one's arguments. */
  private dispatch(fn: number, rows: number, args: (slot: number, range: [number, number]) => number[]): void {
    const ranges = splitRows(rows, this.threadsReady ? this.threads : 1);
    if (ranges.length === 1) {
      this.kernels[fn](...args(0, ranges[0]));
      return;
    }
    const words = this.control!.words;
    const workers = this.workers.length;
    for (let k = 0; k < workers; k++) {
      const at = CONTROL.args + k * CONTROL.argCount;
      const range = ranges[k + 1];
      words[at] = fn;
      words[at + 1] = range ? 1 : 0;
      if (range) words.set(args(k + 1, range), at + 2);
    }
    Atomics.store(words, CONTROL.done, 0);
    Atomics.add(words, CONTROL.seq, 1);
    Atomics.notify(words, CONTROL.seq);
    this.kernels[fn](...args(0, ranges[0]));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const done = Atomics.load(words, CONTROL.done);
      if (done >= workers) break;
      if (Atomics.wait(words, CONTROL.done, done, 1000) === 'timed-out' && Date.now() > deadline) {
        this.broken = 'winograd: a worker thread stopped answering';
        throw new Error(this.broken);
      }
    }
    if (Atomics.exchange(words, CONTROL.failed, 0) !== 0) {
      throw new Error('winograd: the kernel failed in a worker thread');
    }
  }

  /** Scratch of `bytes` for every participant and `widest` zero floats, grown when a convolution needs more. */
  private ensure(bytes: number, widest: number): void {
    for (const block of this.scratch) this.grow(block, bytes);
    if (this.grow(this.zero, widest * 4)) new Float32Array(this.memory.buffer, this.zero.ptr, this.zero.bytes / 4).fill(0);
  }

  private grow(block: Block, bytes: number): boolean {
    if (block.bytes >= bytes) return false;
    if (block.bytes > 0) this.backend.wasm._free(block.ptr);
    block.ptr = this.backend.wasm._malloc(bytes);
    if (block.ptr === 0) throw new Error(`winograd: the WASM heap has no room for ${bytes} bytes of scratch`);
    block.bytes = bytes;
    return true;
  }
}
