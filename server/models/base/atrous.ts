/**
 * Atrous (dilated) convolution that TF.js can differentiate.
 *
 * TF.js refuses gradients through `conv2d` / `depthwiseConv2d` with a dilation rate > 1 ("dilation rates greater
 * than 1 are not yet supported in gradients"), and `tf.layers.depthwiseConv2d` ignores `dilationRate`. TensorFlow
 * itself computes an atrous convolution as `spaceToBatchND -> dense conv -> batchToSpaceND`: the r x r phases of
 * the (padded) input become r^2 batch entries, each convolved with the undilated kernel. Every step of that has
 * gradients on every backend, so `AtrousConv2D` does exactly that, except where the padding would dominate the
 * work (rates close to the map size), where it sums shifted 1x1 convs of the kernel taps instead.
 *
 * Padding is PyTorch's `padding = rate * (k // 2)` on both sides, which for odd kernels equals TF 'same' with
 * dilation: the output has the input's size. Only stride 1 (atrous convs replace strides).
 */
import * as tf from '@tensorflow/tfjs';

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];
type Shape = (number | null)[];

type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** Initializers the custom layers accept by name (serialisable). */
export const INITIALIZERS = {
  heNormal: (): Initializer => tf.initializers.heNormal({}),
  glorotUniform: (): Initializer => tf.initializers.glorotUniform({}),
  zeros: (): Initializer => tf.initializers.zeros(),
} as const;
export type InitializerName = keyof typeof INITIALIZERS;

/** Paddings and crops of the space-to-batch trick for one spatial axis of `size` pixels. */
export function atrousAxisPlan(size: number, kernelSize: number, rate: number): {pad: [number, number]; crop: [number, number]} {
  const total = (kernelSize - 1) * rate;
  const before = Math.floor(total / 2);
  const after = total - before;
  // spaceToBatchND needs the padded size to be a multiple of the rate; the extra rows are cropped afterwards.
  const extra = (rate - ((size + total) % rate)) % rate;
  return {pad: [before, after + extra], crop: [0, extra]};
}

export type AtrousMethod = 'auto' | 'spaceToBatch' | 'taps';

/** Kernel rows/cols and block size per axis: an axis no longer than the rate only ever sees the centre tap. */
function axisCut(size: number, k: number, rate: number): {r: number; k: number} {
  return size <= rate ? {r: 1, k: 1} : {r: rate, k};
}

/** Padded area / input area of the space-to-batch route (its wasted work on zero padding). */
export function spaceToBatchOverhead(h: number, w: number, k: number, rate: number): number {
  const padded = (size: number): number => {
    const cut = axisCut(size, k, rate);
    const plan = atrousAxisPlan(size, cut.k, cut.r);
    return size + plan.pad[0] + plan.pad[1];
  };
  return (padded(h) * padded(w)) / (h * w);
}

/**
 * spaceToBatchND -> 'valid' conv with the undilated kernel -> batchToSpaceND. An axis whose size is at most the
 * rate is not space-to-batched and the kernel is cut to its centre row / column there (the other taps only see
 * padding): rate 36 on a 4x4 map is a 1x1 conv, not a conv over a 108x108 mostly-padding map.
 */
function atrousSpaceToBatch(x: tf.Tensor4D, kernel: tf.Tensor4D, rate: number, depthwise: boolean): tf.Tensor4D {
  const k = kernel.shape[0];
  const c = (k - 1) / 2;
  const [, h, w] = x.shape;
  const ch = axisCut(h, k, rate);
  const cw = axisCut(w, k, rate);
  const kern = ch.k === k && cw.k === k ? kernel : tf.slice(kernel, [ch.k === k ? 0 : c, cw.k === k ? 0 : c, 0, 0], [ch.k, cw.k, -1, -1]);
  const conv = (t: tf.Tensor4D, pad: 'same' | 'valid'): tf.Tensor4D => (depthwise ? tf.depthwiseConv2d(t, kern, 1, pad) : tf.conv2d(t, kern, 1, pad));
  if (ch.r === 1 && cw.r === 1) return conv(x, 'same'); // a 1x1 kernel after the cut
  const ph = atrousAxisPlan(h, ch.k, ch.r);
  const pw = atrousAxisPlan(w, cw.k, cw.r);
  const batched = tf.spaceToBatchND(x, [ch.r, cw.r], [ph.pad, pw.pad]) as tf.Tensor4D;
  return tf.batchToSpaceND(conv(batched, 'valid'), [ch.r, cw.r], [ph.crop, pw.crop]) as tf.Tensor4D;
}

/** out[i, j] = t[i + dy, j + dx], zero outside. */
function shift(t: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  const [, h, w] = t.shape;
  const cut = tf.slice(t, [0, Math.max(0, dy), Math.max(0, dx), 0], [-1, h - Math.abs(dy), w - Math.abs(dx), -1]);
  return tf.pad(cut, [[0, 0], [Math.max(0, -dy), Math.max(0, dy)], [Math.max(0, -dx), Math.max(0, dx)], [0, 0]]);
}

/**
 * Sum over the kernel taps that can see the image of shift(x * W[a, b]): one 1x1 conv for all taps (their
 * kernels concatenated), then shifted slices. No padding overhead, k^2 times the output in memory.
 */
function atrousTaps(x: tf.Tensor4D, kernel: tf.Tensor4D, rate: number, depthwise: boolean): tf.Tensor4D {
  const [k, , cin, cout] = kernel.shape;
  const c = (k - 1) / 2;
  const [, h, w] = x.shape;
  const taps: [number, number][] = [];
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) if (Math.abs(a - c) * rate < h && Math.abs(b - c) * rate < w) taps.push([a, b]);
  }
  const tapKernel = ([a, b]: [number, number]): tf.Tensor4D => tf.slice(kernel, [a, b, 0, 0], [1, 1, cin, cout]);
  const all = depthwise ? null : tf.conv2d(x, tf.concat(taps.map(tapKernel), 3) as tf.Tensor4D, 1, 'valid');
  const terms = taps.map(([a, b], t) => {
    const z = all ? tf.slice(all, [0, 0, 0, t * cout], [-1, -1, -1, cout]) : tf.mul(x, tf.reshape(tapKernel([a, b]), [cin]));
    return shift(z as tf.Tensor4D, (a - c) * rate, (b - c) * rate);
  });
  return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Tensor4D;
}

/**
 * Atrous convolution of NHWC `x` with `kernel` ([k, k, Cin, Cout], or [k, k, Cin, 1] when `depthwise`), stride 1,
 * output size = input size, PyTorch / TF 'same' padding. Differentiable on every backend. `method` 'auto' takes
 * TensorFlow's space-to-batch route unless it would more than double the work on padding (a rate comparable to
 * the map size, e.g. ASPP's rate 24 on a 32x32 map: 96x96 padded), then the per-tap route.
 */
export function atrousConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, rate: number, depthwise = false, method: AtrousMethod = 'auto'): tf.Tensor4D {
  return tf.tidy(() => {
    const k = kernel.shape[0];
    if (kernel.shape[1] !== k || k % 2 !== 1) throw new Error(`atrousConv2d: square odd kernels only; got [${kernel.shape}]`);
    if (rate === 1) return depthwise ? tf.depthwiseConv2d(x, kernel, 1, 'same') : tf.conv2d(x, kernel, 1, 'same');
    const [, h, w] = x.shape;
    const useTaps = method === 'taps' || (method === 'auto' && spaceToBatchOverhead(h, w, k, rate) > 2);
    return useTaps ? atrousTaps(x, kernel, rate, depthwise) : atrousSpaceToBatch(x, kernel, rate, depthwise);
  });
}

export interface AtrousConv2DArgs extends NonNullable<LayerArgs> {
  /** Output channels (ignored when `depthwise`: one output channel per input channel). */
  readonly filters?: number;
  readonly kernelSize: number;
  readonly rate: number;
  readonly depthwise?: boolean;
  readonly useBias?: boolean;
  readonly kernelInitializer?: InitializerName;
}

/**
 * Serialisable atrous conv layer (regular or depthwise), weights named like tf.layers' conv layers (`kernel` or
 * `depthwise_kernel`, then `bias`), so the same weights can be loaded into a non-dilated conv and vice versa.
 */
export class AtrousConv2D extends tf.layers.Layer {
  static readonly className = 'AtrousConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly rate: number;
  readonly depthwise: boolean;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: AtrousConv2DArgs) {
    super(args);
    this.depthwise = args.depthwise ?? false;
    this.filters = args.filters ?? 0;
    this.kernelSize = args.kernelSize;
    this.rate = args.rate;
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'heNormal';
    if (!Number.isInteger(this.rate) || this.rate < 1) throw new Error(`${this.name}: rate must be a positive integer; got ${JSON.stringify(this.rate)}`);
    if (!Number.isInteger(this.kernelSize) || this.kernelSize % 2 !== 1) {
      throw new Error(`${this.name}: kernelSize must be an odd integer; got ${JSON.stringify(this.kernelSize)}`);
    }
    if (!this.depthwise && !(Number.isInteger(this.filters) && this.filters > 0)) {
      throw new Error(`${this.name}: filters must be a positive integer; got ${JSON.stringify(args.filters)}`);
    }
    if (!Object.prototype.hasOwnProperty.call(INITIALIZERS, this.kernelInitializer)) {
      throw new Error(`${this.name}: unknown kernelInitializer ${JSON.stringify(this.kernelInitializer)}; valid: ${Object.keys(INITIALIZERS).join(', ')}`);
    }
  }

  private outChannels(inChannels: number): number {
    return this.depthwise ? inChannels : this.filters;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const cin = shape[3];
    if (cin == null) throw new Error(`${this.name}: the channel dimension of the input must be known`);
    const k = this.kernelSize;
    const kernelShape = this.depthwise ? [k, k, cin, 1] : [k, k, cin, this.filters];
    const init = INITIALIZERS[this.kernelInitializer]();
    this.kernel = this.addWeight(this.depthwise ? 'depthwise_kernel' : 'kernel', kernelShape, 'float32', init);
    if (this.useBias) this.bias = this.addWeight('bias', [this.outChannels(cin)], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [s[0], s[1], s[2], s[3] == null ? null : this.outChannels(s[3])];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      if (this.kernel == null) throw new Error(`${this.name} was called before it was built`);
      const y = atrousConv2d(x, this.kernel.read() as tf.Tensor4D, this.rate, this.depthwise);
      return this.bias == null ? y : tf.add(y, this.bias.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      rate: this.rate,
      depthwise: this.depthwise,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
    };
  }
}

tf.serialization.registerClass(AtrousConv2D);
