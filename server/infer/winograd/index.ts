/**
 * Inference kernels of ours on the tfjs WASM backend (kernel.ts): Winograd 3×3 convolutions
 * ('SeglabWinogradConv2D', 2.25× fewer multiply-adds than XNNPACK's direct convolution, reading a channel
 * concatenation of two inputs without materialising it) and 2×2 stride-2 transposed convolutions
 * ('SeglabUpConv2x2': one product stored straight into the up-sampled pixels). Forward passes only: training
 * keeps tfjs' kernels.
 *
 * `WinogradConv.prepare` / `UpConv2x2.prepare` return null wherever they do not apply (another backend,
 * SEGLAB_WINOGRAD=0, a shape the kernel does not take), and callers keep their tfjs path.
 */
import * as tf from '@tensorflow/tfjs';
import { activeWasmThreads } from '../../backend/wasmThreads';
import { WinogradRuntime, type WasmBackendLike } from './runtime';
import { transformFilter } from './weights';

/** Set to 0 to turn these kernels off (tfjs' own convolutions run instead). */
export const WINOGRAD_ENV = 'SEGLAB_WINOGRAD';
export const WINOGRAD_KERNEL = 'SeglabWinogradConv2D';
export const UPCONV_KERNEL = 'SeglabUpConv2x2';

let current: { readonly backend: object; readonly runtime: WinogradRuntime } | null = null;
let problem: string | null = null;

/** The runtime for the active wasm backend (created on first use), or null when Winograd is off or failed. */
export function winogradRuntime(env: NodeJS.ProcessEnv = process.env): WinogradRuntime | null {
  if (env[WINOGRAD_ENV] === '0' || tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend();
  if (current?.backend === backend) return current.runtime;
  if (problem != null) return null;
  try {
    current?.runtime.dispose();
    current = { backend, runtime: new WinogradRuntime(backend as unknown as WasmBackendLike, activeWasmThreads(), env) };
  } catch (err) {
    problem = err instanceof Error ? err.message : String(err);
    current = null;
    process.stderr.write(`SegLab kernels off (tfjs' convolutions run instead): ${problem}\n`); // once: problem is kept
    return null;
  }
  const runtime = (): WinogradRuntime => {
    if (current == null) throw new Error('winograd: no runtime for the wasm backend');
    return current.runtime;
  };
  if (tf.getKernel(WINOGRAD_KERNEL, 'wasm') == null) {
    tf.registerKernel({
      kernelName: WINOGRAD_KERNEL,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs }) => {
        const { x, x2, filter, bias } = inputs as Record<string, tf.TensorInfo | undefined>;
        const { pad, relu } = attrs as unknown as { pad: 0 | 1; relu: boolean };
        return runtime().conv3x3(x2 ? [x!, x2] : [x!], filter!, bias!, pad, relu);
      },
    });
    tf.registerKernel({
      kernelName: UPCONV_KERNEL,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs }) => {
        const { x, filter, bias } = inputs as Record<string, tf.TensorInfo>;
        return runtime().upconv2x2(x, filter, bias, (attrs as unknown as { relu: boolean }).relu);
      },
    });
  }
  return current.runtime;
}

/** Disposes the runtime (tests; the next use starts a new one). */
export function resetWinograd(): void {
  current?.runtime.dispose();
  current = null;
  problem = null;
}

export interface ConvShape {
  readonly filterShape: readonly number[];
  /** Channels of each concatenated input (one entry for a plain conv). */
  readonly parts: readonly number[];
  readonly strides: number | readonly number[];
  readonly dilations: number | readonly number[];
  readonly padding: string;
}

/** Every entry is 1 (absent counts as 1: Conv2DTranspose's config has no dilation rate). */
const ones = (v: number | readonly number[] | undefined): boolean => (v == null ? true : typeof v === 'number' ? v === 1 : v.every((x) => x === 1));

/** Whether the kernel takes this conv: 3×3, stride 1, no dilation, same/valid, Co % 8 = 0, parts % 4 = 0. */
export function winogradShape(c: ConvShape): boolean {
  const [kh, kw, cIn, cOut] = c.filterShape;
  return (
    kh === 3 && kw === 3 && cOut % 8 === 0 && cOut > 0 &&
    c.parts.length >= 1 && c.parts.length <= 2 && c.parts.every((p) => p % 4 === 0 && p > 0) &&
    c.parts.reduce((a, b) => a + b, 0) === cIn &&
    ones(c.strides) && ones(c.dilations) && (c.padding === 'same' || c.padding === 'valid')
  );
}

/** A conv prepared for the kernel: owns its transformed filter and bias. */
export class WinogradConv {
  private constructor(
    private readonly u: tf.Tensor3D,
    private readonly bias: tf.Tensor1D,
    private readonly pad: 0 | 1,
    private readonly relu: boolean,
    readonly parts: number,
  ) {}

  /** The prepared conv, or null when Winograd is off here or the shape does not fit (see winogradShape). */
  static prepare(shape: ConvShape, filter: tf.Tensor4D, bias: tf.Tensor1D | null, relu: boolean, env: NodeJS.ProcessEnv = process.env): WinogradConv | null {
    if (!winogradShape(shape) || winogradRuntime(env) == null) return null;
    const [, , cIn, cOut] = filter.shape;
    const u = tf.tensor3d(transformFilter(filter.dataSync() as Float32Array, cIn, cOut), [16, cIn, cOut]);
    const b = bias != null ? tf.clone(bias) : tf.zeros([cOut]) as tf.Tensor1D;
    return new WinogradConv(u, b, shape.padding === 'same' ? 1 : 0, relu, shape.parts.length);
  }

  /** conv(concat(inputs)) + bias (then ReLU), NHWC float32. */
  run(inputs: readonly tf.Tensor[]): tf.Tensor4D {
    if (inputs.length !== this.parts) throw new Error(`winograd: expected ${this.parts} inputs, got ${inputs.length}`);
    const named: tf.NamedTensorMap = { x: inputs[0], filter: this.u, bias: this.bias };
    if (inputs.length === 2) named.x2 = inputs[1];
    return tf.engine().runKernel(WINOGRAD_KERNEL, named, { pad: this.pad, relu: this.relu } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }

  dispose(): void {
    tf.dispose([this.u, this.bias]);
  }
}

export interface UpConvShape {
  readonly kernelSize: number | readonly number[];
  readonly strides: number | readonly number[];
  readonly dilations?: number | readonly number[];
  readonly padding: string;
  readonly activation: string;
  readonly dataFormat: string;
  /** The layer's kernel shape: [2, 2, Co, C]. */
  readonly filterShape: readonly number[];
}

const twos = (v: number | readonly number[]): boolean => (typeof v === 'number' ? v === 2 : v.every((x) => x === 2));

/** Whether the up-sampling kernel takes this Conv2DTranspose: 2×2, stride 2, channels last, Co % 8 = 0. */
export function upconvShape(c: UpConvShape): boolean {
  const [kh, kw, cOut] = c.filterShape;
  return (
    kh === 2 && kw === 2 && cOut % 8 === 0 && cOut > 0 && twos(c.kernelSize) && twos(c.strides) && ones(c.dilations) &&
    (c.padding === 'same' || c.padding === 'valid') && (c.activation === 'linear' || c.activation === 'relu') &&
    c.dataFormat === 'channelsLast'
  );
}

/** A Conv2DTranspose (2×2, stride 2) prepared for the up-sampling kernel: owns its re-laid filter and bias. */
export class UpConv2x2 {
  private constructor(private readonly u: tf.Tensor2D, private readonly bias: tf.Tensor1D, private readonly relu: boolean) {}

  /** From the layer's kernel ([2, 2, Co, C]) and bias; null where the kernel does not apply (see upconvShape). */
  static prepare(shape: UpConvShape, kernel: tf.Tensor4D, bias: tf.Tensor1D | null, env: NodeJS.ProcessEnv = process.env): UpConv2x2 | null {
    if (!upconvShape(shape) || winogradRuntime(env) == null) return null;
    const [, , cOut, cIn] = kernel.shape;
    const u = tf.tidy(() => tf.reshape(tf.transpose(kernel, [3, 0, 1, 2]), [cIn, 4 * cOut]) as tf.Tensor2D);
    return new UpConv2x2(u, bias != null ? tf.clone(bias) : (tf.zeros([cOut]) as tf.Tensor1D), shape.activation === 'relu');
  }

  run(x: tf.Tensor): tf.Tensor4D {
    return tf.engine().runKernel(UPCONV_KERNEL, { x, filter: this.u, bias: this.bias }, { relu: this.relu } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }

  dispose(): void {
    tf.dispose([this.u, this.bias]);
  }
}
