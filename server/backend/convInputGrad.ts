/**
 * Conv2DBackpropInput (the input gradient of a 2-D convolution, and the forward pass of conv2dTranspose)
 * composed from the backend's own Conv2D.
 *
 * With xp the forward input padded by (top, left): dxp[p] = sum_a dyd[p - a] * w[a], where dyd is dy with s-1
 * zeros inserted between its rows/cols (stride dilation). Substituting a' = k-1-a turns this into a stride-1
 * convolution of dyd (padded by k-1-top before) with the spatially flipped filter whose in/out channels are
 * swapped ([kh, kw, Cout, Cin]); the output row p is dx[p] directly. Zero insertion is a reshape to
 * [N, oh, 1, ow, 1, C] plus a PadV2; negative paddings (explicit pads larger than the kernel) become a crop.
 */
import * as tf from '@tensorflow/tfjs';
import {KernelScope, Pads4, nhwcKernel, pair, view} from './kernelOps';
import {patchInputGrad, tilesExactly} from './patchConv';

/** Geometry of the composed input-gradient conv. */
export interface InputGradPlan {
  readonly strides: [number, number];
  /** Padding applied by the conv (all >= 0). */
  readonly pads: Pads4;
  /** Rows/cols to drop from the conv output's start (negative before-padding). */
  readonly cropTop: number;
  readonly cropLeft: number;
}

/** One spatial axis: padding before/after the dilated dy (length dilatedLen) so the output has `inLen` rows. */
function axisPads(inLen: number, k: number, padBefore: number, dilatedLen: number): [number, number] {
  const before = k - 1 - padBefore;
  const after = inLen + k - 1 - dilatedLen - before;
  return [before, after];
}

export function planInputGrad(dyShape: number[], attrs: tf.Conv2DBackpropInputAttrs, filterShape: number[]): InputGradPlan {
  const inputShape = attrs.inputShape;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [sh, sw] = pair(attrs.strides);
  const [oh, ow] = [dyShape[1], dyShape[2]];
  if (oh !== info.outHeight || ow !== info.outWidth || dyShape[3] !== filterShape[3]) {
    throw new Error(
      `Conv2DBackpropInput: dy [${dyShape}] does not match a ${filterShape[0]}x${filterShape[1]} conv with ` +
        `strides ${sh},${sw} from [${inputShape}] (expected ${info.outHeight}x${info.outWidth}x${filterShape[3]})`,
    );
  }
  const [t, b] = axisPads(inputShape[1], filterShape[0], info.padInfo.top, oh * sh);
  const [l, r] = axisPads(inputShape[2], filterShape[1], info.padInfo.left, ow * sw);
  const pads: Pads4 = [[0, 0], [Math.max(0, t), Math.max(0, b)], [Math.max(0, l), Math.max(0, r)], [0, 0]];
  return {strides: [sh, sw], pads, cropTop: Math.max(0, -t), cropLeft: Math.max(0, -l)};
}

/** dy with s-1 zeros after every row/column: [N, oh*sh, ow*sw, C] (the trailing zeros are cropped by the plan). */
function dilate(scope: KernelScope, dy: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  if (sh === 1 && sw === 1) {
    return dy;
  }
  const [n, oh, ow, c] = dy.shape;
  const padded = scope.pad(view(dy, [n, oh, 1, ow, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return view(padded, [n, oh * sh, ow * sw, c]);
}

/** dx for NHWC dy and filter [kh, kw, Cin, Cout]: returns a new buffer of attrs.inputShape owned by the caller. */
export function conv2DBackpropInputNHWC(
  scope: KernelScope,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: tf.Conv2DBackpropInputAttrs,
): tf.TensorInfo {
  const plan = planInputGrad(dy.shape, attrs, filter.shape);
  if (tilesExactly(attrs.inputShape, filter.shape, attrs)) {
    return patchInputGrad(scope, dy, filter);
  }
  const dyd = dilate(scope, dy, plan.strides[0], plan.strides[1]);
  const flipped = scope.flipSpatial(filter);
  const swapped = scope.transpose(flipped, [0, 1, 3, 2]);
  scope.release(flipped);
  const full = scope.conv(dyd, swapped, [1, 1], plan.pads);
  const [, h, w] = attrs.inputShape;
  return scope.crop(full, plan.cropTop, plan.cropLeft, h, w);
}

/** A Conv2DBackpropInput kernel function for `backendName`; NCHW goes to `fallback` (the stock kernel). */
export function makeConv2DBackpropInputKernel(backendName: string, fallback?: tf.KernelFunc): tf.KernelFunc {
  return nhwcKernel('Conv2DBackpropInput', backendName, fallback, (scope, args) => {
    const {dy, filter} = args.inputs as {dy: tf.TensorInfo; filter: tf.TensorInfo};
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    return conv2DBackpropInputNHWC(scope, dy, filter, attrs);
  });
}
