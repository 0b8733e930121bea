/**
 * Conv2DBackpropFilter (the filter gradient of a 2-D convolution) composed from the backend's own Conv2D.
 *
 * Forward (NHWC, x padded by (top, left)): y[n,i,j,co] = sum_{a,b,ci} xp[n, i*s+a, j*s+b, ci] * w[a,b,ci,co].
 * Hence dW[a,b,ci,co] = sum_{n,i,j} xp[n, i*s+a, j*s+b, ci] * dy[n,i,j,co], which is a stride-1 convolution of
 *   x^T  = x  transposed to [Cin, H, W, N]   (Cin plays the batch, N the input channels)
 * with
 *   dy^T = dy transposed to [oh, ow, N, Cout] (used as an oh x ow filter)
 * at dilation s, padded like the forward pass. Its output is [Cin, >=kh, >=kw, Cout]; the first kh x kw positions,
 * transposed to [kh, kw, Cin, Cout], are dW. The heavy work is one Conv2D (XNNPACK on wasm).
 */
import * as tf from '@tensorflow/tfjs';
import {KernelScope, Pads4, nhwcKernel, pair} from './kernelOps';
import {patchFilterGrad, tilesExactly} from './patchConv';

/** Geometry of the composed filter-gradient conv. */
export interface FilterGradPlan {
  readonly dilations: [number, number];
  readonly pads: Pads4;
  readonly kh: number;
  readonly kw: number;
}

/**
 * Padding for the x^T * dy^T convolution: the forward pass's top/left, and enough bottom/right padding that the
 * output covers the kh x kw filter window (rows past the end of x are zeros, as in the forward pass).
 */
export function planFilterGrad(
  xShape: number[],
  dyShape: number[],
  attrs: tf.Conv2DBackpropFilterAttrs,
): FilterGradPlan {
  const filterShape = attrs.filterShape;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [sh, sw] = pair(attrs.strides);
  const [kh, kw] = [filterShape[0], filterShape[1]];
  const [oh, ow] = [dyShape[1], dyShape[2]];
  if (oh !== info.outHeight || ow !== info.outWidth) {
    throw new Error(
      `Conv2DBackpropFilter: dy is ${oh}x${ow} but a ${kh}x${kw} conv with strides ${sh},${sw} on ` +
        `[${xShape}] gives ${info.outHeight}x${info.outWidth}`,
    );
  }
  const {top, left} = info.padInfo;
  const bottom = Math.max(0, (oh - 1) * sh + kh - top - xShape[1]);
  const right = Math.max(0, (ow - 1) * sw + kw - left - xShape[2]);
  return {dilations: [sh, sw], pads: [[0, 0], [top, bottom], [left, right], [0, 0]], kh, kw};
}

/** dW for NHWC x and dy, as a kernel body: returns a new [kh, kw, Cin, Cout] buffer owned by the caller. */
export function conv2DBackpropFilterNHWC(
  scope: KernelScope,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: tf.Conv2DBackpropFilterAttrs,
): tf.TensorInfo {
  const plan = planFilterGrad(x.shape, dy.shape, attrs);
  if (tilesExactly(x.shape, attrs.filterShape, attrs)) {
    return patchFilterGrad(scope, x, dy, plan.kh, plan.kw);
  }
  const xT = scope.transpose(x, [3, 1, 2, 0]);
  const dyT = scope.transpose(dy, [1, 2, 0, 3]);
  const full = scope.conv(xT, dyT, plan.dilations, plan.pads);
  scope.release(xT);
  scope.release(dyT);
  const cropped = scope.crop(full, 0, 0, plan.kh, plan.kw);
  return scope.transpose(cropped, [1, 2, 0, 3]);
}

/**
 * A Conv2DBackpropFilter kernel function for `backendName`. NCHW input goes to `fallback` (the stock kernel)
 * when there is one; the stock wasm backend has none, and its Conv2D is NHWC-only, so NCHW throws there.
 */
export function makeConv2DBackpropFilterKernel(backendName: string, fallback?: tf.KernelFunc): tf.KernelFunc {
  return nhwcKernel('Conv2DBackpropFilter', backendName, fallback, (scope, args) => {
    const {x, dy} = args.inputs as {x: tf.TensorInfo; dy: tf.TensorInfo};
    const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    return conv2DBackpropFilterNHWC(scope, x, dy, attrs);
  });
}
