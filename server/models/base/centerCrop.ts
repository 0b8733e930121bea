/**
 * `CenterCrop2D`: crop-and-concat helper of the valid-padding U-Net. Takes `[skip, reference]` (both NHWC) and
 * returns the centre of `skip` cut to the spatial size of `reference`, keeping `skip`'s channels. Works with
 * unknown (null) spatial sizes because the crop is computed from the runtime shapes.
 *
 * The offset is `floor((H_skip - H_ref) / 2)`, the same convention as `centerCropLabels` in server/losses.
 */
import * as tf from '@tensorflow/tfjs';

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];
type Shape = (number | null)[];

/** Offset of a centred window of `inner` pixels inside `outer` pixels. */
export function centerOffset(outer: number, inner: number): number {
  return Math.floor((outer - inner) / 2);
}

export class CenterCrop2D extends tf.layers.Layer {
  static readonly className = 'CenterCrop2D';

  constructor(args?: LayerArgs) {
    super(args ?? {});
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [skip, ref] = CenterCrop2D.pair(inputShape);
    for (const axis of [1, 2]) {
      const s = skip[axis];
      const r = ref[axis];
      if (s != null && r != null && s < r) {
        throw new Error(
          `${this.name}: the skip feature (${s} px) is smaller than the decoder feature (${r} px) on axis ${axis}; ` +
            'the input size does not suit this U-Net (see validInputSizes)',
        );
      }
    }
    return [skip[0], ref[1], ref[2], skip[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new Error(`${this.name} expects [skip, reference]; got ${Array.isArray(inputs) ? inputs.length : 1} input(s)`);
      }
      const skip = inputs[0] as tf.Tensor4D;
      const [, hs, ws, c] = skip.shape;
      const [, hr, wr] = inputs[1].shape;
      if (hs < hr || ws < wr) {
        throw new Error(`${this.name}: skip feature ${hs}x${ws} is smaller than the decoder feature ${hr}x${wr}`);
      }
      if (hs === hr && ws === wr) return skip.clone();
      return tf.slice(skip, [0, centerOffset(hs, hr), centerOffset(ws, wr), 0], [-1, hr, wr, c]);
    });
  }

  private static pair(inputShape: Shape | Shape[]): [Shape, Shape] {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
      throw new Error('CenterCrop2D expects two inputs: [skip, reference]');
    }
    return inputShape as [Shape, Shape];
  }
}

tf.serialization.registerClass(CenterCrop2D);
