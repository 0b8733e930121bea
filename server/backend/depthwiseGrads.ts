/**
 * DepthwiseConv2dNativeBackpropInput / ...BackpropFilter for the WASM backend (which has neither, so MobileNetV2,
 * EfficientNet and separable convs could not train), composed from the backend's own kernels like
 * convInputGrad.ts / convFilterGrad.ts. Filter shape [kh, kw, C, m] (m = channel multiplier), NHWC, dilation 1
 * (tfjs' depthwise gradient refuses dilations > 1 before reaching a kernel; atrous layers use space-to-batch).
 *
 * - Input gradient: the transposed depthwise conv = a stride-1 depthwise conv of dy (zeros inserted between rows /
 *   columns for strides > 1, padded as planInputGrad computes for a regular conv of the same geometry) with the
 *   spatially flipped filter seen as [kh, kw, C*m, 1]; multipliers > 1 are summed back to C channels.
 * - Filter gradient, one tap at a time: dW[a, b, c, q] = sum over n, i, j of xp[n, i*s + a, j*s + b, c] *
 *   dy[n, i, j, c*m + q] (xp = x padded like the forward pass): a strided slice, a multiply and a sum per tap,
 *   k^2 taps, the same multiply-adds as the forward pass.
 *
 * `installTrainingKernels('wasm')` registers both; `installDepthwiseTrainingKernels('wasm')` alone is for tests.
 */
import * as tf from '@tensorflow/tfjs';
import {planInputGrad} from './convInputGrad';
import {DisposingBackend, KernelScope, pair, view} from './kernelOps';

interface DepthwiseAttrs {
  readonly strides: number | [number, number];
  readonly dilations: number | [number, number];
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function checkDilations(attrs: DepthwiseAttrs, kernel: string): void {
  const [dh, dw] = pair(attrs.dilations ?? 1);
  if (dh !== 1 || dw !== 1) throw new Error(`${kernel} on wasm supports dilation 1 only (got ${dh},${dw})`);
}

/** dx for dy [N, oh, ow, C*m] and filter [kh, kw, C, m]; returns a new [N, H, W, C] buffer. */
export function depthwiseInputGradNHWC(scope: KernelScope, dy: tf.TensorInfo, filter: tf.TensorInfo, attrs: DepthwiseAttrs & {inputShape: number[]}): tf.TensorInfo {
  const [kh, kw, c, m] = filter.shape;
  const inputShape = attrs.inputShape as [number, number, number, number];
  // A regular conv C -> C*m with the same kernel, strides and padding has the same geometry.
  const plan = planInputGrad(dy.shape, {inputShape, strides: attrs.strides, pad: attrs.pad, dimRoundingMode: attrs.dimRoundingMode} as tf.Conv2DBackpropInputAttrs, [kh, kw, c, c * m]);
  const [sh, sw] = plan.strides;
  const [n, oh, ow, cm] = dy.shape;
  let dyd = dy;
  if (sh > 1 || sw > 1) {
    const spread = scope.pad(view(dy, [n, oh, 1, ow, 1, cm]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
    dyd = view(spread, [n, oh * sh, ow * sw, cm]);
  }
  const flipped = scope.flipSpatial(filter);
  const full = scope.run(
    'DepthwiseConv2dNative',
    {x: dyd, filter: view(flipped, [kh, kw, cm, 1])},
    {strides: [1, 1], pad: plan.pads, dilations: [1, 1], dataFormat: 'NHWC'},
  );
  scope.release(flipped);
  const [, h, w] = inputShape;
  const cropped = scope.crop(full, plan.cropTop, plan.cropLeft, h, w);
  if (m === 1) return cropped;
  return scope.run('Sum', {x: view(cropped, [n, h, w, c, m])}, {axis: [4], keepDims: false});
}

/** dW for x [N, H, W, C] and dy [N, oh, ow, C*m]; returns a new [kh, kw, C, m] buffer. */
export function depthwiseFilterGradNHWC(scope: KernelScope, x: tf.TensorInfo, dy: tf.TensorInfo, attrs: DepthwiseAttrs & {filterShape: number[]}): tf.TensorInfo {
  const [kh, kw, c, m] = attrs.filterShape;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    [kh, kw, c, m],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
    'channelsLast',
  );
  const [n, h, w] = x.shape;
  const [, oh, ow] = dy.shape;
  if (oh !== info.outHeight || ow !== info.outWidth || dy.shape[3] !== c * m) {
    throw new Error(`DepthwiseConv2dNativeBackpropFilter: dy [${dy.shape}] does not match x [${x.shape}] and filter [${attrs.filterShape}]`);
  }
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const {top, left} = info.padInfo;
  const bottom = Math.max(0, (oh - 1) * sh + kh - top - h);
  const right = Math.max(0, (ow - 1) * sw + kw - left - w);
  const xp = scope.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
  const dyView = m === 1 ? dy : view(dy, [n, oh, ow, c, m]);
  const taps: tf.TensorInfo[] = [];
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const slice = scope.run(
        'StridedSlice',
        {x: xp},
        {begin: [0, a, b, 0], end: [n, a + (oh - 1) * sh + 1, b + (ow - 1) * sw + 1, c], strides: [1, sh, sw, 1], beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0},
      );
      const product = scope.run('Multiply', {a: m === 1 ? slice : view(slice, [n, oh, ow, c, 1]), b: dyView}, {});
      scope.release(slice);
      taps.push(scope.run('Sum', {x: product}, {axis: [0, 1, 2], keepDims: false}));
      scope.release(product);
    }
  }
  scope.release(xp);
  const packed = scope.run('Pack', taps as unknown as tf.NamedTensorInfoMap, {axis: 0}); // Pack takes an array
  // A Reshape kernel (not a view): the result shares the buffer with a reference count, so the scope may free `packed`.
  return scope.run('Reshape', {x: packed}, {shape: [kh, kw, c, m]});
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

function makeKernel(kernelName: string, body: (scope: KernelScope, args: KernelArgs) => tf.TensorInfo): tf.KernelFunc {
  return (args) => {
    const scope = new KernelScope('wasm', args.backend as DisposingBackend);
    try {
      checkDilations(args.attrs as unknown as DepthwiseAttrs, kernelName);
      return scope.finish(body(scope, args));
    } finally {
      scope.disposeAll();
    }
  };
}

export const inputGradKernel = makeKernel('DepthwiseConv2dNativeBackpropInput', (scope, args) => {
  const {dy, filter} = args.inputs as {dy: tf.TensorInfo; filter: tf.TensorInfo};
  return depthwiseInputGradNHWC(scope, dy, filter, args.attrs as unknown as DepthwiseAttrs & {inputShape: number[]});
});

export const filterGradKernel = makeKernel('DepthwiseConv2dNativeBackpropFilter', (scope, args) => {
  const {x, dy} = args.inputs as {x: tf.TensorInfo; dy: tf.TensorInfo};
  return depthwiseFilterGradNHWC(scope, x, dy, args.attrs as unknown as DepthwiseAttrs & {filterShape: number[]});
});

export const DEPTHWISE_GRAD_KERNELS = Object.freeze(['DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter']);

/**
 * Registers the two kernels on `backendName` ('wasm') unless it already has them (the cpu backend has stock
 * ones). Returns the names registered by this call.
 */
export function installDepthwiseTrainingKernels(backendName = 'wasm'): string[] {
  const added: string[] = [];
  const kernels: [string, tf.KernelFunc][] = [
    ['DepthwiseConv2dNativeBackpropInput', inputGradKernel],
    ['DepthwiseConv2dNativeBackpropFilter', filterGradKernel],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, backendName) != null) continue;
    tf.registerKernel({kernelName, backendName, kernelFunc});
    added.push(kernelName);
  }
  return added;
}
