/**
 * Layer helpers shared by encoders and decoders (functional API on symbolic tensors). Every layer is named by the
 * caller, after the PyTorch module path of the reference implementation with dots as underscores
 * (`encoder_layer1_0_conv1`), so weights converted from PyTorch can be matched by name.
 *
 * Padding: 'symmetric' is PyTorch's `padding = rate * (k // 2)` on both sides; for a strided conv it becomes an
 * explicit ZeroPadding2D + 'valid' conv (TF 'same' would pad 0 before / 1 after instead and shift every output
 * pixel). 'same' is TF's padding, which the TF-born EfficientNet uses. A rate > 1 uses AtrousConv2D (stride 1).
 */
import * as tf from '@tensorflow/tfjs';
import {AtrousConv2D, InitializerName} from './atrous';
import {Resize2D, ResizeMode} from './resize';

export type Activation = 'relu' | 'relu6' | 'swish' | 'sigmoid';

export interface NormOptions {
  /** TF.js momentum (keep factor of the moving statistics); 0.9 == PyTorch momentum 0.1. */
  readonly momentum: number;
  readonly epsilon: number;
}

export interface ConvSpec {
  readonly name: string;
  /** Output channels; ignored for depthwise convs (one output per input channel). */
  readonly filters: number;
  readonly kernel: number;
  readonly stride?: number;
  readonly rate?: number;
  readonly bias?: boolean;
  readonly depthwise?: boolean;
  readonly padding?: 'symmetric' | 'same';
  readonly init?: InitializerName;
}

/** When set, every conv kernel uses this initializer (see `withInitializer`). */
let initOverride: InitializerName | null = null;

/**
 * Runs `build` with every conv kernel initialised by `init` instead of its default (He-normal initialisation of
 * 25 M weights takes seconds; Glorot-uniform is 5x faster, zeros are instant).
 */
export function withInitializer<T>(init: InitializerName, build: () => T): T {
  const previous = initOverride;
  initOverride = init;
  try {
    return build();
  } finally {
    initOverride = previous;
  }
}

/** Builds with zero kernels: for counting parameters and multiply-adds only; never train such a model. */
export function withZeroInit<T>(build: () => T): T {
  return withInitializer('zeros', build);
}

function one(out: tf.SymbolicTensor | tf.SymbolicTensor[] | tf.Tensor | tf.Tensor[]): tf.SymbolicTensor {
  if (!(out instanceof tf.SymbolicTensor)) throw new Error('internal: expected one symbolic tensor from a layer');
  return out;
}

/** Applies `layer` to symbolic input(s); returns its single output. */
export function apply(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return one(layer.apply(x));
}

/** A 2-D convolution (regular or depthwise) following `spec`; see the file comment for padding and rates. */
export function conv(x: tf.SymbolicTensor, spec: ConvSpec): tf.SymbolicTensor {
  const {name, filters, kernel} = spec;
  const stride = spec.stride ?? 1;
  const rate = spec.rate ?? 1;
  const useBias = spec.bias ?? false;
  const depthwise = spec.depthwise ?? false;
  const init = initOverride ?? spec.init ?? 'heNormal';
  if (rate > 1) {
    if (stride !== 1) throw new Error(`internal: ${name} has stride ${stride} and rate ${rate}; atrous convs replace strides`);
    return apply(new AtrousConv2D({name, filters, kernelSize: kernel, rate, depthwise, useBias, kernelInitializer: init}), x);
  }
  let input = x;
  let padding: 'same' | 'valid' = 'same';
  if (stride > 1 && kernel > 1 && (spec.padding ?? 'symmetric') === 'symmetric') {
    const p = Math.floor(kernel / 2);
    input = apply(tf.layers.zeroPadding2d({padding: [[p, p], [p, p]], name: `${name}_pad`}), x);
    padding = 'valid';
  }
  if (depthwise) {
    return apply(
      tf.layers.depthwiseConv2d({kernelSize: kernel, strides: stride, padding, depthMultiplier: 1, useBias, depthwiseInitializer: init, name}),
      input,
    );
  }
  return apply(tf.layers.conv2d({filters, kernelSize: kernel, strides: stride, padding, useBias, kernelInitializer: init, name}), input);
}

/** 2x2 transposed conv with stride 2 and bias (the U-Net paper's up-convolution). */
export function upConv2x2(x: tf.SymbolicTensor, filters: number, name: string): tf.SymbolicTensor {
  const kernelInitializer = initOverride ?? 'heNormal';
  return apply(tf.layers.conv2dTranspose({filters, kernelSize: 2, strides: 2, padding: 'valid', kernelInitializer, name}), x);
}

/** BatchNormalization over channels. */
export function batchNorm(x: tf.SymbolicTensor, name: string, norm: NormOptions): tf.SymbolicTensor {
  return apply(tf.layers.batchNormalization({axis: -1, momentum: norm.momentum, epsilon: norm.epsilon, name}), x);
}

/** An activation layer. */
export function activation(x: tf.SymbolicTensor, kind: Activation, name: string): tf.SymbolicTensor {
  if (kind === 'relu') return apply(tf.layers.reLU({name}), x);
  return apply(tf.layers.activation({activation: kind, name}), x);
}

/**
 * Conv -> BatchNorm -> activation, smp's `Conv2dReLU`: names `<name>_conv`, `<name>_bn`, `<name>_<act>`. Without
 * BN the conv gets a bias unless `spec.bias` says otherwise.
 */
export function convBnAct(
  x: tf.SymbolicTensor,
  spec: Omit<ConvSpec, 'name'> & {readonly name: string},
  norm: NormOptions | null,
  act: Activation | null = 'relu',
): tf.SymbolicTensor {
  let y = conv(x, {...spec, name: `${spec.name}_conv`, bias: spec.bias ?? norm == null});
  if (norm != null) y = batchNorm(y, `${spec.name}_bn`, norm);
  return act == null ? y : activation(y, act, `${spec.name}_${act}`);
}

/** Max-pooling with a square window and stride `size` (PyTorch `MaxPool2d(size)`). */
export function maxPool(x: tf.SymbolicTensor, size: number, name: string): tf.SymbolicTensor {
  return apply(tf.layers.maxPooling2d({poolSize: size, strides: size, padding: 'valid', name}), x);
}

/** Integer-factor upsampling (a no-op returns `x` itself). */
export function resize(x: tf.SymbolicTensor, factor: number, mode: ResizeMode, name: string): tf.SymbolicTensor {
  if (factor === 1) return x;
  if (mode === 'nearest') return apply(tf.layers.upSampling2d({size: [factor, factor], interpolation: 'nearest', name}), x);
  return apply(new Resize2D({factor, mode, name}), x);
}

/** Channel concatenation. */
export function concat(xs: tf.SymbolicTensor[], name: string): tf.SymbolicTensor {
  return xs.length === 1 ? xs[0] : apply(tf.layers.concatenate({axis: -1, name}), xs);
}

/** Element-wise sum. */
export function add(xs: tf.SymbolicTensor[], name: string): tf.SymbolicTensor {
  return apply(tf.layers.add({name}), xs);
}

/** Global average (or max) pooling that keeps a 1x1 spatial map: [N, H, W, C] -> [N, 1, 1, C]. */
export function globalPool(x: tf.SymbolicTensor, kind: 'avg' | 'max', name: string): tf.SymbolicTensor {
  const channels = x.shape[3];
  if (channels == null) throw new Error(`internal: ${name} needs a known channel count`);
  const pool = kind === 'avg' ? tf.layers.globalAveragePooling2d({name}) : tf.layers.globalMaxPooling2d({name});
  return apply(tf.layers.reshape({targetShape: [1, 1, channels], name: `${name}_keepdims`}), apply(pool, x));
}

/** Channels of a symbolic NHWC tensor (always known in these models). */
export function channelsOf(x: tf.SymbolicTensor): number {
  const c = x.shape[3];
  if (c == null) throw new Error('internal: unknown channel count');
  return c;
}
