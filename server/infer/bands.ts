/**
 * Exact banded prediction for fully convolutional, padded models: the input is cut into bands of rows (or
 * columns), each band is predicted with a halo of context around it, and only the band's own output rows are
 * kept. When the halo covers the model's receptive radius and every band starts at a multiple of the model's
 * total stride, each kept output pixel sees exactly the inputs it sees in a whole-image pass, and the stitched
 * logits equal the whole-image logits up to float rounding (the tiling of the U-Net paper's overlap-tile, here
 * for 'same'-padded models, whose band edges behave like zero-padded image borders). cropped.ts goes further:
 * each layer computes only the rows the band needs, from the per-layer `reads` defined here.
 *
 * `bandGeometry` bounds the receptive radius by walking the layer graph. For every tensor it keeps, along the
 * split axis, its scale s (input pixels per feature index; a band start must be a multiple of every s so each
 * pooling grid stays in phase), its size offset c (size = n / s + c for an input of n pixels), and the cone
 * [i·s − a, i·s + b] of input pixels that index i can depend on. A layer whose output index j reads input
 * indices j·st + lo … j·st + hi adds −lo·s to a and hi·s to b. Layers that mix all positions (global pooling,
 * reshape, dense over a flattened map), layers with a fixed output size and unknown layers make the model
 * unbounded (null): it is then never split.
 */
import * as tf from '@tensorflow/tfjs';

/** Spatial axis of an NHWC tensor that is split: 1 = rows, 2 = columns. */
export type SplitAxis = 1 | 2;

export interface BandGeometry {
  /** Input pixels an output pixel can depend on, on either side, along the axis. */
  readonly radius: number;
  /** Band boundaries (and halos) must be multiples of this: the lcm of every tensor's scale. */
  readonly stride: number;
}

/** Scale, size offset and dependency cone of one tensor along the split axis (see the module comment). */
export interface TensorGeo {
  /** Input pixels per index: index i stands for input pixels [i·s, (i+1)·s). */
  readonly s: number;
  /** Size offset: the tensor has n / s + c indices for an input of n pixels (n a multiple of the stride). */
  readonly c: number;
  /** Index i depends on input pixels [i·s − a, i·s + b] at most. */
  readonly a: number;
  readonly b: number;
}

/**
 * What a layer does along the split axis, in terms of which input indices output index j reads:
 * - `same`: j (pointwise layers, merges);
 * - `window`: j·st − top … j·st − top + k − 1 (conv / pooling, k with dilation; top from TF 'same' padding);
 * - `centered`: j − half … j + half (AtrousConv2D: symmetric padding, stride 1);
 * - `transpose`: every m with j = m·st − top + t, 0 ≤ t < k (Conv2DTranspose);
 * - `upsample`: floor(j / f) − before … floor(j / f) + after (nearest: 0, 0; bilinear: 0, 1; half-pixel: 1, 1);
 * - `pad`: j − t (ZeroPadding2D, t rows before and e after).
 */
export type AxisOp =
  | { readonly kind: 'same' }
  | { readonly kind: 'window'; readonly k: number; readonly st: number; readonly padding: 'same' | 'valid' }
  | { readonly kind: 'centered'; readonly half: number }
  | { readonly kind: 'transpose'; readonly k: number; readonly st: number; readonly padding: 'same' | 'valid' }
  | { readonly kind: 'upsample'; readonly f: number; readonly before: number; readonly after: number }
  | { readonly kind: 'pad'; readonly t: number; readonly e: number };

type Layer = tf.layers.Layer;
type Cfg = Record<string, unknown>;

/** Layers that act on each pixel on its own (at inference: dropout and noise layers are the identity). */
const POINTWISE = new Set([
  'BatchNormalization', 'LayerNormalization', 'ReLU', 'LeakyReLU', 'ELU', 'ThresholdedReLU', 'Activation',
  'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout',
]);
const MERGES = new Set(['Add', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Subtract', 'Concatenate']);

/** `v` (a number or a per-axis pair) along `axis`. */
function along(v: unknown, axis: SplitAxis): number {
  const x = Array.isArray(v) ? v[axis - 1] : v;
  return typeof x === 'number' ? x : NaN;
}

/** [before, after] of a ZeroPadding2D config along `axis`. */
function sides(v: unknown, axis: SplitAxis): [number, number] {
  if (typeof v === 'number') return [v, v];
  const p = Array.isArray(v) ? v[axis - 1] : NaN;
  if (typeof p === 'number') return [p, p];
  return Array.isArray(p) && p.length === 2 ? [Number(p[0]), Number(p[1])] : [NaN, NaN];
}

/** A normalisation / softmax / concatenation axis that is the channel axis of NHWC. */
function isChannelAxis(ax: unknown): boolean {
  const v = Array.isArray(ax) && ax.length === 1 ? ax[0] : ax;
  return v === undefined || v === -1 || v === 3;
}

const isPadding = (p: unknown): p is 'same' | 'valid' => p === 'same' || p === 'valid';
const isCount = (v: number): boolean => Number.isInteger(v) && v >= 1;
const isPowerOfTwo = (f: number): boolean => isCount(f) && (f & (f - 1)) === 0;

function windowOf(k: number, st: number, padding: unknown): AxisOp | null {
  return isCount(k) && isCount(st) && isPadding(padding) ? { kind: 'window', k, st, padding } : null;
}

function convOp(cfg: Cfg, axis: SplitAxis): AxisOp | null {
  const k = along(cfg.kernelSize, axis);
  const d = along(cfg.dilationRate ?? 1, axis);
  return windowOf((k - 1) * d + 1, along(cfg.strides, axis), cfg.padding);
}

function transposeOf(cfg: Cfg, axis: SplitAxis): AxisOp | null {
  const k = along(cfg.kernelSize, axis);
  const st = along(cfg.strides, axis);
  if (along(cfg.dilationRate ?? 1, axis) !== 1 || !isCount(st) || !(k >= st) || !isPadding(cfg.padding)) return null;
  return { kind: 'transpose', k, st, padding: cfg.padding };
}

function resizeOf(f: number, interpolation: unknown): AxisOp | null {
  if (interpolation === 'nearest') return isPowerOfTwo(f) ? { kind: 'upsample', f, before: 0, after: 0 } : null;
  return isPowerOfTwo(f) ? { kind: 'upsample', f, before: 0, after: 1 } : null; // tfjs bilinear, no half-pixel
}

/**
 * `layer` along `axis`, or null when it is not translation-equivariant there: global pooling, reshape, flatten,
 * dense, fixed-size resizes, cropping, channels-first data, unknown custom layers.
 */
export function axisOp(layer: Layer, axis: SplitAxis): AxisOp | null {
  const name = layer.getClassName();
  const cfg = layer.getConfig() as Cfg;
  if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') return null;
  if (POINTWISE.has(name) || MERGES.has(name) || name === 'Softmax') return isChannelAxis(cfg.axis) ? { kind: 'same' } : null;
  switch (name) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D':
      return convOp(cfg, axis);
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return windowOf(along(cfg.poolSize, axis), along(cfg.strides ?? cfg.poolSize, axis), cfg.padding);
    case 'AtrousConv2D': {
      const half = (Number(cfg.rate) * (Number(cfg.kernelSize) - 1)) / 2;
      return Number.isInteger(half) && half >= 0 ? { kind: 'centered', half } : null;
    }
    case 'Conv2DTranspose':
      return transposeOf(cfg, axis);
    case 'UpSampling2D':
      return resizeOf(along(cfg.size, axis), cfg.interpolation ?? 'nearest');
    case 'Resize2D': {
      const f = Number(cfg.factor);
      if (cfg.mode === 'nearest') return resizeOf(f, 'nearest');
      return isCount(f) ? { kind: 'upsample', f, before: 1, after: 1 } : null; // half-pixel, edges replicated
    }
    case 'ZeroPadding2D': {
      const [t, e] = sides(cfg.padding, axis);
      return Number.isInteger(t) && Number.isInteger(e) && t >= 0 && e >= 0 ? { kind: 'pad', t, e } : null;
    }
    default:
      return null;
  }
}

const mod = (x: number, m: number): number => ((x % m) + m) % m;

/** Padding above the input of a window / transpose op whose input has `nIn` indices (TF 'same' rules). */
export function padTop(op: AxisOp, nIn: number): number {
  if (op.kind === 'window' && op.padding === 'same') {
    const r = mod(nIn, op.st);
    return Math.floor(Math.max(op.k - (r === 0 ? op.st : r), 0) / 2);
  }
  if (op.kind === 'transpose' && op.padding === 'same') return Math.floor((op.k - op.st) / 2);
  return 0;
}

/** The input indices [lo, hi] (inclusive, unclamped) that output index j of `op` reads, for an input of `nIn`. */
export function reads(op: AxisOp, j: number, nIn: number): [number, number] {
  const top = padTop(op, nIn);
  switch (op.kind) {
    case 'same':
      return [j, j];
    case 'window':
      return [j * op.st - top, j * op.st - top + op.k - 1];
    case 'centered':
      return [j - op.half, j + op.half];
    case 'transpose':
      return [Math.ceil((j + top - op.k + 1) / op.st), Math.floor((j + top) / op.st)];
    case 'upsample':
      return [Math.floor(j / op.f) - op.before, Math.floor(j / op.f) + op.after];
    case 'pad':
      return [j - op.t, j - op.t];
  }
}

/** Geometry of an op's output (the module comment explains the bookkeeping). */
function next(op: AxisOp, g: TensorGeo): TensorGeo | null {
  switch (op.kind) {
    case 'same':
      return g;
    case 'window': {
      // Inputs have n / s + c indices with n / s a multiple of st: the 'same' padding is that of an input of c.
      const top = padTop(op, g.c);
      const c = op.padding === 'same' ? Math.ceil(g.c / op.st) : Math.floor((g.c - op.k) / op.st) + 1;
      return { s: g.s * op.st, c, a: g.a + top * g.s, b: g.b + (op.k - 1 - top) * g.s };
    }
    case 'centered':
      return { ...g, a: g.a + op.half * g.s, b: g.b + op.half * g.s };
    case 'transpose': {
      if (g.s % op.st !== 0) return null;
      const top = padTop(op, 0);
      const s = g.s / op.st;
      return { s, c: g.c * op.st + (op.padding === 'valid' ? op.k - op.st : 0), a: g.a + (op.k - 1 - top) * s, b: g.b + top * s };
    }
    case 'upsample': {
      if (g.s % op.f !== 0) return null;
      const s = g.s / op.f;
      return { s, c: g.c * op.f, a: g.a + (op.f - 1) * s + op.before * g.s, b: g.b + op.after * g.s };
    }
    case 'pad':
      return { s: g.s, c: g.c + op.t + op.e, a: g.a + op.t * g.s, b: g.b - op.t * g.s };
  }
}

/** Element-wise merges and channel concatenation: inputs must line up (same scale and size). */
function merged(gs: readonly TensorGeo[]): TensorGeo | null {
  const [first] = gs;
  if (gs.some((g) => g.s !== first.s || g.c !== first.c)) return null;
  return { s: first.s, c: first.c, a: Math.max(...gs.map((g) => g.a)), b: Math.max(...gs.map((g) => g.b)) };
}

function gcd(x: number, y: number): number {
  return y === 0 ? x : gcd(y, x % y);
}

/**
 * Geometry of every tensor of `model` along `axis` (by tensor id; null where a layer on the way is not
 * translation-equivariant), and the lcm of all scales. Null for models with several inputs.
 */
export function tensorGeometry(model: tf.LayersModel, axis: SplitAxis): { tensors: Map<number, TensorGeo | null>; stride: number } | null {
  if (model.inputs.length !== 1) return null;
  const tensors = new Map<number, TensorGeo | null>([[model.inputs[0].id, { s: 1, c: 0, a: 0, b: 0 }]]);
  let stride = 1;
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const op = axisOp(layer, axis);
    for (const node of layer.inboundNodes) {
      const ins = node.inputTensors.map((t) => tensors.get(t.id) ?? null);
      let out: TensorGeo | null = null;
      if (op && ins.length > 0 && node.outputTensors.length === 1 && ins.every((g): g is TensorGeo => g !== null)) {
        out = ins.length === 1 ? next(op, ins[0]) : op.kind === 'same' ? merged(ins) : null;
      }
      if (out && (!Number.isInteger(out.s) || out.s < 1 || !Number.isInteger(out.c))) out = null;
      if (out) stride = (stride * out.s) / gcd(stride, out.s);
      for (const t of node.outputTensors) tensors.set(t.id, out);
    }
  }
  return { tensors, stride };
}

/**
 * Receptive radius and stride of `model`'s first output along `axis`, or null when the model cannot be split
 * exactly: several inputs, an output at another resolution or size than the input (valid-convolution U-Nets:
 * they have their own overlap-tile path), or any layer on the way that is not translation-equivariant.
 */
export function bandGeometry(model: tf.LayersModel, axis: SplitAxis = 1): BandGeometry | null {
  const all = model.outputs.length > 0 ? tensorGeometry(model, axis) : null;
  const g = all?.tensors.get(model.outputs[0].id);
  if (!all || !g || g.s !== 1 || g.c !== 0) return null;
  return { radius: Math.max(0, Math.ceil(g.a), Math.ceil(g.b)), stride: all.stride };
}

/** Receptive radius (input pixels, either side) of the first output along `axis`, or null when unbounded. */
export function receptiveRadius(model: tf.LayersModel, axis: SplitAxis = 1): number | null {
  return bandGeometry(model, axis)?.radius ?? null;
}

/** One band along the split axis, in image coordinates. */
export interface Band {
  /** Input [inStart, inEnd) given to the model: the band's own pixels and the halo around them. */
  readonly inStart: number;
  readonly inEnd: number;
  /** Output [outStart, outEnd) this band contributes (at offset outStart − inStart of its prediction). */
  readonly outStart: number;
  readonly outEnd: number;
}

/**
 * Splits `length` pixels (a multiple of `stride`) into `parts` bands whose boundaries are multiples of `stride`
 * (as even as the stride allows; fewer bands when there are fewer stride blocks), each read with a halo of
 * `radius` rounded up to a multiple of `stride`, clamped to the image.
 */
export function planBands(length: number, stride: number, radius: number, parts = 2): Band[] {
  for (const [v, what, min] of [[length, 'length', 1], [stride, 'stride', 1], [radius, 'radius', 0], [parts, 'parts', 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`planBands: ${what} must be a whole number >= ${min}, got ${JSON.stringify(v)}`);
  }
  if (length % stride !== 0) throw new Error(`planBands: length ${length} is not a multiple of the stride ${stride}: pad the input to a multiple first`);
  const blocks = length / stride;
  const n = Math.min(parts, blocks);
  const halo = Math.ceil(radius / stride) * stride;
  const bands: Band[] = [];
  for (let i = 0; i < n; i++) {
    const outStart = Math.floor((i * blocks) / n) * stride;
    const outEnd = Math.floor(((i + 1) * blocks) / n) * stride;
    bands.push({ inStart: Math.max(0, outStart - halo), inEnd: Math.min(length, outEnd + halo), outStart, outEnd });
  }
  return bands;
}

/** NHWC shape as [outer, length along the axis, inner]: the axis's slices are contiguous runs of `inner`. */
function view(shape: readonly number[], axis: SplitAxis): [number, number, number] {
  if (shape.length !== 4) throw new Error(`expected an NHWC shape, got [${shape.join(', ')}]`);
  const [n, h, w, c] = shape;
  return axis === 1 ? [n, h, w * c] : [n * h, w, c];
}

/** The slice [start, end) along `axis` of an NHWC array of `shape`, as a new array. */
export function cutBand(data: Float32Array, shape: readonly number[], axis: SplitAxis, start: number, end: number): Float32Array {
  const [outer, len, inner] = view(shape, axis);
  if (data.length !== outer * len * inner) throw new Error(`cutBand: ${data.length} values for shape [${shape.join(', ')}]`);
  if (!(0 <= start && start < end && end <= len)) throw new Error(`cutBand: [${start}, ${end}) is outside 0..${len}`);
  const out = new Float32Array(outer * (end - start) * inner);
  for (let o = 0; o < outer; o++) out.set(data.subarray((o * len + start) * inner, (o * len + end) * inner), o * (end - start) * inner);
  return out;
}

/** The shape of band `b`'s model input (or output, with `channels`) cut from an NHWC `shape`. */
export function bandShape(shape: readonly number[], axis: SplitAxis, b: Band, channels = shape[3]): [number, number, number, number] {
  const s: [number, number, number, number] = [shape[0], shape[1], shape[2], channels];
  s[axis] = b.inEnd - b.inStart;
  return s;
}

/** Joins the bands' predictions (each of bandShape(outShape, axis, band)) into one NHWC array of `outShape`. */
export function stitchBands(parts: readonly { readonly band: Band; readonly data: Float32Array }[], outShape: readonly number[], axis: SplitAxis): Float32Array {
  const [outer, len, inner] = view(outShape, axis);
  const out = new Float32Array(outer * len * inner);
  for (const { band, data } of parts) {
    const bandLen = band.inEnd - band.inStart;
    if (data.length !== outer * bandLen * inner) throw new Error(`stitchBands: band [${band.inStart}, ${band.inEnd}) has ${data.length} values, expected ${outer * bandLen * inner}`);
    const from = band.outStart - band.inStart;
    const rows = band.outEnd - band.outStart;
    for (let o = 0; o < outer; o++) {
      out.set(data.subarray((o * bandLen + from) * inner, (o * bandLen + from + rows) * inner), (o * len + band.outStart) * inner);
    }
  }
  return out;
}
