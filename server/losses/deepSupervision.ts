/**
 * Deep supervision (U-Net++, U-Net 3+): one loss applied to every output of the model, with weights.
 *
 * Outputs at a lower resolution than the labels are upsampled, not the labels downsampled: logits are resized
 * bilinearly to the label size before the loss, as MMSegmentation does for its decode and auxiliary heads
 * (`resize(seg_logits, size=seg_label.shape[2:], mode='bilinear', align_corners=False)`) and as the U-Net 3+
 * authors' deep-supervision heads do. Labels, ignore pixels and per-pixel weights are thus used at full
 * resolution. The resize is PyTorch's align_corners=False (half-pixel centres), written as two matrix products so
 * its gradient is exact on every backend (tfjs' ResizeBilinearGrad ignores halfPixelCenters).
 */
import * as tf from '@tensorflow/tfjs';
import type {LossExtras, LossFn} from './combined';

/** A loss over a list of model outputs (the final output first, then the deep-supervision heads, any order). */
export type DeepLossFn = (outputs: readonly tf.Tensor[], labels: tf.Tensor, extras?: LossExtras) => tf.Scalar;

/**
 * Row-major [outSize, inSize] bilinear interpolation weights with half-pixel centres (PyTorch align_corners=False):
 * source = (o + 0.5) * inSize / outSize - 0.5, clamped at 0; the two nearest inputs share 1 linearly.
 */
export function bilinearMatrix(outSize: number, inSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(0, (o + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const lambda = src - i0;
    m[o * inSize + i0] += 1 - lambda;
    m[o * inSize + i1] += lambda;
  }
  return m;
}

/** Bilinear resize of [N,h,w,C] to [N,height,width,C] (align_corners=False); differentiable everywhere. */
export function resizeBilinearExact(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    let t: tf.Tensor4D = x;
    if (height !== h) {
      const a = tf.tensor2d(bilinearMatrix(height, h), [height, h]);
      const rows = tf.reshape(tf.transpose(t, [1, 0, 2, 3]), [h, n * w * c]);
      t = tf.transpose(tf.reshape(tf.matMul(a, rows), [height, n, w, c]), [1, 0, 2, 3]);
    }
    if (width !== w) {
      const a = tf.tensor2d(bilinearMatrix(width, w), [width, w]);
      const cols = tf.reshape(tf.transpose(t, [2, 0, 1, 3]), [w, n * height * c]);
      t = tf.transpose(tf.reshape(tf.matMul(a, cols), [width, n, height, c]), [1, 2, 0, 3]);
    }
    return t === x ? tf.clone(x) : t;
  });
}

function checkWeights(weights: readonly number[]): void {
  if (!Array.isArray(weights) || weights.length === 0) {
    throw new Error('deepSupervisionLoss: weights must list one number per output, e.g. [1, 0.4, 0.4, 0.4]');
  }
  const bad = weights.findIndex((w) => typeof w !== 'number' || !Number.isFinite(w) || w < 0);
  if (bad >= 0) throw new Error(`deepSupervisionLoss: weights[${bad}] = ${JSON.stringify(weights[bad])} must be a finite number >= 0`);
}

/**
 * sum_k weights[k] * loss(upsample(outputs[k]), labels, extras). With no weights every output gets 1 (U-Net 3+
 * sums its side losses); U-Net++ averages, i.e. weights 1/K. Outputs must be [N,h,w,C] with h, w no larger than
 * the labels'.
 */
export function deepSupervisionLoss(loss: LossFn, weights?: readonly number[]): DeepLossFn {
  if (weights !== undefined) checkWeights(weights);
  const fixed = weights ? [...weights] : undefined;
  return (outputs, labels, extras) => {
    if (outputs.length === 0) throw new Error('deepSupervisionLoss: the model returned no outputs');
    if (fixed && fixed.length !== outputs.length) {
      throw new Error(`deepSupervisionLoss: ${fixed.length} weights for ${outputs.length} outputs; give one weight per output`);
    }
    const height = labels.shape[1] as number;
    const width = labels.shape[2] as number;
    outputs.forEach((o, k) => {
      if (o.rank !== 4 || (o.shape[1] as number) > height || (o.shape[2] as number) > width) {
        throw new Error(`deepSupervisionLoss: output ${k} has shape [${o.shape}]; need [N,h,w,C] with h <= ${height} and w <= ${width} (the labels)`);
      }
    });
    return tf.tidy(() => {
      const terms = outputs.map((o, k) => {
        const full = o.shape[1] === height && o.shape[2] === width ? o : resizeBilinearExact(o as tf.Tensor4D, height, width);
        return tf.mul(loss(full, labels, extras), fixed ? fixed[k] : 1);
      });
      return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
    });
  };
}
