/**
 * Composing a kernel out of other kernels of the same backend, at the TensorInfo level.
 *
 * Added kernels (see wasmKernels.ts) call the backend's own registered kernel functions (Conv2D, Transpose,
 * PadV2, ...) directly instead of going through tf ops: no engine bookkeeping, no tape, and every intermediate
 * buffer is released with `backend.disposeData` as soon as the composed kernel returns (or throws).
 */
import * as tf from '@tensorflow/tfjs';

/** The part of a KernelBackend that composed kernels rely on (both 'wasm' and 'cpu' provide it). */
export interface DisposingBackend {
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): tf.backend_util.BackendValues;
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object;
}

/** Padding for a rank-4 NHWC conv: [[0, 0], [top, bottom], [left, right], [0, 0]]. */
export type Pads4 = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Runs kernels of one backend and owns every buffer they create until `finish` or `disposeAll`.
 * Usage: `const k = new KernelScope(name, backend); try { ...; return k.finish(out); } finally { k.disposeAll(); }`.
 */
export class KernelScope {
  private owned: tf.TensorInfo[] = [];

  constructor(
    readonly backendName: string,
    readonly backend: DisposingBackend,
  ) {}

  /** Runs the backend's registered kernel `kernelName`; the result is owned by this scope. */
  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo {
    const config = tf.getKernel(kernelName, this.backendName);
    if (config == null) {
      throw new Error(`backend '${this.backendName}' has no '${kernelName}' kernel (needed by an added training kernel)`);
    }
    const out = config.kernelFunc({inputs, attrs, backend: this.backend as object}) as tf.TensorInfo;
    this.owned.push(out);
    return out;
  }

  /** Releases one owned intermediate (or a {@link view} of it) early (keeps peak memory down in long chains). */
  release(t: tf.TensorInfo): void {
    const i = this.ownedIndex(t);
    if (i >= 0) {
      this.owned.splice(i, 1);
      this.backend.disposeData(t.dataId);
    }
  }

  /** Hands `out` (an owned buffer or a {@link view} of one) to the caller and disposes everything else. */
  finish(out: tf.TensorInfo): tf.TensorInfo {
    const i = this.ownedIndex(out);
    if (i >= 0) {
      this.owned.splice(i, 1);
    }
    this.disposeAll();
    return out;
  }

  /**
   * Position of `t` in the owned list: `t` itself, else the buffer `t` is a {@link view} of. (A Reshape kernel's
   * output shares its input's buffer with a reference count of its own: it is owned as a separate entry.)
   */
  private ownedIndex(t: tf.TensorInfo): number {
    const i = this.owned.indexOf(t);
    return i >= 0 ? i : this.owned.findIndex((o) => o.dataId === t.dataId);
  }

  /** Disposes every owned buffer (safe to call twice). */
  disposeAll(): void {
    const owned = this.owned;
    this.owned = [];
    for (const t of owned) {
      this.backend.disposeData(t.dataId);
    }
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', {x}, {perm});
  }

  pad(x: tf.TensorInfo, paddings: [number, number][]): tf.TensorInfo {
    return this.run('PadV2', {x}, {paddings, constantValue: 0});
  }

  slice(x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
    return this.run('Slice', {x}, {begin, size});
  }

  /**
   * `x` ([kh, kw, ...]) reversed along its first two axes: element (a, b, ...) moves to (kh-1-a, kw-1-b, ...), i.e.
   * the kh*kw blocks in reverse order, copied in JS. (The backends' Reverse and GatherV2 kernels go element by
   * element: 12 ms for a 3x3x128x128 filter on wasm, against 0.5 ms here.)
   */
  flipSpatial(x: tf.TensorInfo): tf.TensorInfo {
    const taps = x.shape[0] * x.shape[1];
    const src = this.backend.readSync(x.dataId) as Float32Array;
    const block = src.length / taps;
    const out = new Float32Array(src.length);
    for (let k = 0; k < taps; k++) out.set(src.subarray(k * block, (k + 1) * block), (taps - 1 - k) * block);
    const info: tf.TensorInfo = {dataId: this.backend.write(out, x.shape, x.dtype), shape: x.shape, dtype: x.dtype};
    this.owned.push(info);
    return info;
  }

  /** NHWC Conv2D with stride 1, the given dilations and explicit padding. */
  conv(x: tf.TensorInfo, filter: tf.TensorInfo, dilations: [number, number], pads: Pads4): tf.TensorInfo {
    return this.run('Conv2D', {x, filter}, {strides: [1, 1], pad: pads, dataFormat: 'NHWC', dilations});
  }

  /** Slices `x` ([N, H, W, C]) to rows/cols starting at (top, left) with the given size, only if needed. */
  crop(x: tf.TensorInfo, top: number, left: number, height: number, width: number): tf.TensorInfo {
    const [n, h, w, c] = x.shape;
    if (top === 0 && left === 0 && h === height && w === width) {
      return x;
    }
    const out = this.slice(x, [0, top, left, 0], [n, height, width, c]);
    this.release(x);
    return out;
  }
}

/** A second TensorInfo over the same buffer with another shape (same size); never disposed on its own. */
export function view(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  const size = shape.reduce((a, b) => a * b, 1);
  const xSize = x.shape.reduce((a, b) => a * b, 1);
  if (size !== xSize) {
    throw new Error(`internal: cannot view shape [${x.shape}] as [${shape}]`);
  }
  return {dataId: x.dataId, shape, dtype: x.dtype};
}

/** The two spatial values of a conv attribute given as a number or a pair. */
export function pair(v: number | [number, number] | number[]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/**
 * Wraps an NHWC-only kernel body as a kernel function for `backendName`: NCHW goes to `fallback` (the stock
 * kernel) when there is one, else throws; intermediates are disposed even when the body throws.
 */
export function nhwcKernel(
  kernelName: string,
  backendName: string,
  fallback: tf.KernelFunc | undefined,
  body: (scope: KernelScope, args: Parameters<tf.KernelFunc>[0]) => tf.TensorInfo,
): tf.KernelFunc {
  return (args) => {
    if ((args.attrs as {dataFormat?: string}).dataFormat === 'NCHW') {
      if (fallback != null) {
        return fallback(args);
      }
      throw new Error(`${kernelName} on '${backendName}' supports dataFormat 'NHWC' only (got 'NCHW')`);
    }
    const scope = new KernelScope(backendName, args.backend as DisposingBackend);
    try {
      return scope.finish(body(scope, args));
    } finally {
      scope.disposeAll();
    }
  };
}
