/**
 * Upsampling by an integer factor with the interpolation PyTorch models use, and a 1x1 -> HxW broadcast, as
 * serialisable layers whose gradients are right on every backend.
 *
 * - 'nearest': out[o] = x[floor(o / f)] (PyTorch `interpolate(mode='nearest')`, tf.layers.upSampling2d).
 * - 'bilinear': half-pixel centres, PyTorch `interpolate(mode='bilinear', align_corners=False)` / `nn.Upsample`.
 *   Built from slices and weighted sums: each of the f output phases mixes two neighbouring input rows with fixed
 *   weights, edges replicated (PyTorch clamps the source index the same way). Not tf.image.resizeBilinear,
 *   because in tfjs 4.22 its gradient ignores `halfPixelCenters` (silently wrong) and the cpu ResizeBilinearGrad
 *   returns a [N, W, H, C] gradient for non-square inputs (a crash). smp's DeepLabV3(+) upsamples with
 *   align_corners=True (`nn.UpsamplingBilinear2d`); we use half-pixel there too (no parameter changes; outputs
 *   differ from smp's by the interpolation grid only).
 */
import * as tf from '@tensorflow/tfjs';

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];
type Shape = (number | null)[];

export const RESIZE_MODES = ['nearest', 'bilinear'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];

function sliceAxis(x: tf.Tensor4D, axis: 1 | 2, start: number, size: number): tf.Tensor4D {
  const begin = [0, 0, 0, 0];
  const sizes = [-1, -1, -1, -1];
  begin[axis] = start;
  sizes[axis] = size;
  return tf.slice(x, begin, sizes);
}

/** Half-pixel bilinear upsampling of one spatial axis by the integer factor `f`. */
function upsampleAxisHalfPixel(x: tf.Tensor4D, f: number, axis: 1 | 2): tf.Tensor4D {
  const n = x.shape[axis];
  const padded = tf.concat([sliceAxis(x, axis, 0, 1), x, sliceAxis(x, axis, n - 1, 1)], axis);
  const phases: tf.Tensor4D[] = [];
  for (let p = 0; p < f; p++) {
    const d = (p + 0.5) / f - 0.5; // source offset of this phase, in (-0.5, 0.5)
    const [a, b, wa, wb] = d >= 0 ? [1, 2, 1 - d, d] : [0, 1, -d, 1 + d];
    phases.push(tf.add(tf.mul(sliceAxis(padded, axis, a, n), wa), tf.mul(sliceAxis(padded, axis, b, n), wb)));
  }
  const stacked = tf.stack(phases, axis + 1);
  const shape: [number, number, number, number] = [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
  shape[axis] = n * f;
  return tf.reshape(stacked, shape);
}

/** Upsamples NHWC `x` by the integer `factor` in both spatial dimensions. */
export function upsample(x: tf.Tensor4D, factor: number, mode: ResizeMode): tf.Tensor4D {
  return tf.tidy(() => {
    if (factor === 1) return x.clone();
    const [, h, w] = x.shape;
    if (mode === 'nearest') return tf.image.resizeNearestNeighbor(x, [h * factor, w * factor]);
    return upsampleAxisHalfPixel(upsampleAxisHalfPixel(x, factor, 1), factor, 2);
  });
}

export interface Resize2DArgs extends NonNullable<LayerArgs> {
  readonly factor: number;
  readonly mode: ResizeMode;
}

/** Serialisable upsampling layer (see the file comment for the modes). */
export class Resize2D extends tf.layers.Layer {
  static readonly className = 'Resize2D';
  readonly factor: number;
  readonly mode: ResizeMode;

  constructor(args: Resize2DArgs) {
    super(args);
    this.factor = args.factor;
    this.mode = args.mode;
    if (!Number.isInteger(this.factor) || this.factor < 1) {
      throw new Error(`${this.name}: factor must be a positive integer; got ${JSON.stringify(this.factor)}`);
    }
    if (!RESIZE_MODES.includes(this.mode)) {
      throw new Error(`${this.name}: mode must be one of ${RESIZE_MODES.join(', ')}; got ${JSON.stringify(this.mode)}`);
    }
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const up = (v: number | null): number | null => (v == null ? null : v * this.factor);
    return [s[0], up(s[1]), up(s[2]), s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return upsample(x, this.factor, this.mode);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {...super.getConfig(), factor: this.factor, mode: this.mode};
  }
}

/**
 * `[x, reference]` -> x ([N, 1, 1, C]) repeated to the spatial size of `reference`: the bilinear upsampling of a
 * 1x1 map (DeepLab's image-pooling branch), whatever the interpolation mode.
 */
export class BroadcastLike extends tf.layers.Layer {
  static readonly className = 'BroadcastLike';

  constructor(args?: LayerArgs) {
    super(args ?? {});
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) throw new Error('BroadcastLike expects [x, reference]');
    const [x, ref] = inputShape as Shape[];
    return [x[0], ref[1], ref[2], x[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`${this.name} expects [x, reference]`);
      const [x, ref] = inputs;
      if (x.shape[1] !== 1 || x.shape[2] !== 1) throw new Error(`${this.name}: x must be 1x1 spatially; got [${x.shape}]`);
      return tf.tile(x, [1, ref.shape[1] ?? 1, ref.shape[2] ?? 1, 1]);
    });
  }
}

tf.serialization.registerClass(Resize2D);
tf.serialization.registerClass(BroadcastLike);
