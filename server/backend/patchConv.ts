/**
 * Convolutions whose windows tile the input exactly (kernel == stride, no padding: a 2x2 stride-2 up-convolution,
 * any 1x1 conv) as one matrix product instead of a convolution over zero-dilated or transposed tensors.
 *
 * Each output pixel of such a conv reads one kh x kw patch of the input, and the patches do not overlap, so
 * the input viewed as [N, oh, kh, ow, kw, Cin] and transposed to [N*oh*ow, kh*kw*Cin] ("patches") gives
 *   y  = patches · W                  (W viewed as [kh*kw*Cin, Cout])
 *   dW = patches^T · dy               (Conv2DBackpropFilter)
 *   dx = un-patch(dy · W^T)           (Conv2DBackpropInput, the forward pass of conv2dTranspose)
 * BatchMatMul is XNNPACK's GEMM on wasm; the stride-dilated route did kh*kw times the multiplications on zeros.
 */
import * as tf from '@tensorflow/tfjs';
import {KernelScope, pair, view} from './kernelOps';

/** True when a conv with this filter and attrs reads non-overlapping patches covering `inShape` exactly. */
export function tilesExactly(
  inShape: readonly number[],
  filterShape: readonly number[],
  attrs: {strides: number | [number, number]; pad: unknown; dilations?: number | [number, number]; dimRoundingMode?: unknown},
): boolean {
  const [sh, sw] = pair(attrs.strides);
  const [dh, dw] = pair(attrs.dilations ?? 1);
  const [kh, kw] = [filterShape[0], filterShape[1]];
  if (sh !== kh || sw !== kw || dh !== 1 || dw !== 1 || inShape[1] % kh !== 0 || inShape[2] % kw !== 0) {
    return false;
  }
  if (attrs.pad === 'valid') {
    return true;
  }
  if (attrs.pad !== 'same') {
    return false; // explicit or numeric padding: leave it to the general route
  }
  // 'same' with kernel == stride pads nothing when the size is a multiple of the stride.
  return true;
}

/** x [N, H, W, C] as patches [1, N*oh*ow, kh*kw*C] (a new buffer owned by `scope`). */
function patches(scope: KernelScope, x: tf.TensorInfo, kh: number, kw: number): tf.TensorInfo {
  const [n, h, w, c] = x.shape;
  const [oh, ow] = [h / kh, w / kw];
  if (kh === 1 && kw === 1) {
    return view(x, [1, n * h * w, c]);
  }
  const t = scope.transpose(view(x, [n, oh, kh, ow, kw, c]), [0, 1, 3, 2, 4, 5]);
  return view(t, [1, n * oh * ow, kh * kw * c]);
}

/** a [1, M, K] · b [1, K, N]. Untransposed operands only: wasm's BatchMatMul uses XNNPACK just for that case. */
function matMul(scope: KernelScope, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  return scope.run('BatchMatMul', {a, b}, {transposeA: false, transposeB: false});
}

/** dW [kh, kw, Cin, Cout] = patches(x)^T · dy. */
export function patchFilterGrad(scope: KernelScope, x: tf.TensorInfo, dy: tf.TensorInfo, kh: number, kw: number): tf.TensorInfo {
  const [n, oh, ow, cout] = dy.shape;
  const cin = x.shape[3];
  const p = patches(scope, x, kh, kw);
  const pT = scope.transpose(p, [0, 2, 1]);
  scope.release(p); // a no-op for a 1x1 conv, where p is a view of x (not owned)
  const dW = matMul(scope, pT, view(dy, [1, n * oh * ow, cout]));
  return view(dW, [kh, kw, cin, cout]);
}

/** dx [N, oh*kh, ow*kw, Cin] for dy [N, oh, ow, Cout] and filter [kh, kw, Cin, Cout]. */
export function patchInputGrad(scope: KernelScope, dy: tf.TensorInfo, filter: tf.TensorInfo): tf.TensorInfo {
  const [kh, kw, cin, cout] = filter.shape;
  const [n, oh, ow] = dy.shape;
  const wT = scope.transpose(view(filter, [1, kh * kw * cin, cout]), [0, 2, 1]);
  const cols = matMul(scope, view(dy, [1, n * oh * ow, cout]), wT);
  if (kh === 1 && kw === 1) {
    return view(cols, [n, oh, ow, cin]);
  }
  const t = scope.transpose(view(cols, [n, oh, ow, kh, kw, cin]), [0, 1, 3, 2, 4, 5]);
  scope.release(cols);
  return view(t, [n, oh * kh, ow * kw, cin]);
}
