/**
 * A FusedBatchNorm gradient that broadcasts instead of tiling.
 *
 * tfjs-core's gradient tiles rsqrt(variance) to the full [N, H, W, C] size for dx and computes x - mean and
 * dy * scale eagerly (kept alive until the whole backward pass ends). Here:
 *   r = rsqrt(variance + eps)                          (parameter-sized)
 *   dx       = dy * (scale * r)                        (broadcast)
 *   dOffset  = sum(dy)
 *   dScale   = sum(dy * (x - mean)) * r
 *   dMean    = -scale * r * sum(dy)
 *   dVariance= -0.5 * scale * r^3 * sum(dy * (x - mean))
 * with sums over the axes the parameters are broadcast along. The two sums are computed once per call (they are
 * needed by four of the five gradients in a training-mode BatchNormalization layer), and only parameter-sized
 * tensors outlive the call.
 */
import * as tf from '@tensorflow/tfjs';

/** Sum of `t` over the axes along which a tensor of `paramShape` is broadcast to `t`, reshaped to paramShape. */
function reduceToParam(t: tf.Tensor, paramShape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(paramShape, t.shape);
  const summed = axes.length > 0 ? tf.sum(t, axes) : t;
  return tf.reshape(summed, paramShape);
}

function gradFunc(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): {[name: string]: () => tf.Tensor} {
  const g = Array.isArray(dy) ? dy[0] : dy;
  const [x, mean, variance, scaleSaved] = saved;
  const eps = (attrs as unknown as tf.FusedBatchNormAttrs).varianceEpsilon;
  // Parameter-sized results only; the full-size temporaries die with this tidy. (They outlive the per-input
  // closures until the backward pass ends, which is why nothing full-size is computed out here.)
  const s = tf.tidy(() => {
    const r = tf.rsqrt(tf.add(variance, eps));
    const scaleR = scaleSaved == null ? r : tf.mul(scaleSaved, r);
    return {
      r,
      scaleR,
      sumDy: reduceToParam(g, mean.shape),
      sumDyXc: reduceToParam(tf.mul(g, tf.sub(x, mean)), mean.shape),
    };
  });
  return {
    x: () => tf.reshape(tf.mul(g, s.scaleR), x.shape),
    offset: () => tf.clone(s.sumDy),
    scale: () => tf.mul(s.sumDyXc, s.r),
    mean: () => tf.neg(tf.mul(s.scaleR, s.sumDy)),
    variance: () => tf.mul(tf.mul(s.scaleR, tf.square(s.r)), tf.mul(s.sumDyXc, -0.5)),
  };
}

/** The gradient config registered for 'FusedBatchNorm' by installTrainingKernels. */
export const broadcastBatchNormGrad: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: gradFunc as unknown as tf.GradConfig['gradFunc'],
};
