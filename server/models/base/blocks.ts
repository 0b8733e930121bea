/**
 * Reusable building blocks for functional (tf.input -> ... -> tf.model) segmentation models. Every layer gets a
 * name from the caller's prefix so summaries and saved weights read like the architecture (enc1_conv1, enc1_bn1...).
 */
import * as tf from '@tensorflow/tfjs';
import {CenterCrop2D} from './centerCrop';

export type Padding = 'same' | 'valid';
export type Upsampling = 'transpose' | 'bilinear';

export interface ConvOptions {
  readonly padding: Padding;
  /** Conv -> BatchNorm -> ReLU when true (conv without bias); Conv(+bias) -> ReLU when false. */
  readonly useBatchnorm: boolean;
  /**
   * TF.js BatchNormalization momentum, i.e. the keep factor of the moving statistics:
   * `moving = momentum * moving + (1 - momentum) * batch`. PyTorch's `momentum` is the other factor, so
   * TF.js 0.9 == PyTorch 0.1 (PyTorch's default); TF.js's own default is 0.99.
   */
  readonly batchNormMomentum: number;
}

/** BatchNorm epsilon: PyTorch's default (TF.js's default is 1e-3). */
export const BN_EPSILON = 1e-5;

function asSymbolic(out: tf.SymbolicTensor | tf.SymbolicTensor[] | tf.Tensor | tf.Tensor[]): tf.SymbolicTensor {
  if (!(out instanceof tf.SymbolicTensor)) throw new Error('expected a single symbolic tensor from a layer');
  return out;
}

/** Applies a layer to symbolic input(s) and returns the single symbolic output. */
export function applyLayer(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return asSymbolic(layer.apply(x));
}

/** 3x3 conv (He-normal init, as in the U-Net paper) -> optional BN -> ReLU, named `<prefix>_conv<i>` etc. */
export function convBnRelu(
  x: tf.SymbolicTensor,
  filters: number,
  opts: ConvOptions,
  prefix: string,
  index: number,
): tf.SymbolicTensor {
  let y = applyLayer(
    tf.layers.conv2d({
      filters,
      kernelSize: 3,
      padding: opts.padding,
      useBias: !opts.useBatchnorm,
      kernelInitializer: 'heNormal',
      name: `${prefix}_conv${index}`,
    }),
    x,
  );
  if (opts.useBatchnorm) {
    y = applyLayer(
      tf.layers.batchNormalization({
        axis: -1,
        momentum: opts.batchNormMomentum,
        epsilon: BN_EPSILON,
        name: `${prefix}_bn${index}`,
      }),
      y,
    );
  }
  return applyLayer(tf.layers.reLU({name: `${prefix}_relu${index}`}), y);
}

/** Two `convBnRelu` in a row: the basic U-Net stage. */
export function doubleConv(x: tf.SymbolicTensor, filters: number, opts: ConvOptions, prefix: string): tf.SymbolicTensor {
  return convBnRelu(convBnRelu(x, filters, opts, prefix, 1), filters, opts, prefix, 2);
}

/** 2x2 max-pool with stride 2, named `name`. */
export function maxPool2x2(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return applyLayer(tf.layers.maxPooling2d({poolSize: 2, strides: 2, padding: 'valid', name}), x);
}

/**
 * 2x upsampling to `filters` channels: a 2x2 transposed conv with stride 2 (`<prefix>_up`), or bilinear
 * upsampling (`<prefix>_up`) followed by a 1x1 conv (`<prefix>_upconv`).
 */
export function upsample2x(x: tf.SymbolicTensor, filters: number, mode: Upsampling, prefix: string): tf.SymbolicTensor {
  if (mode === 'transpose') {
    return applyLayer(
      tf.layers.conv2dTranspose({filters, kernelSize: 2, strides: 2, padding: 'valid', name: `${prefix}_up`}),
      x,
    );
  }
  const up = applyLayer(tf.layers.upSampling2d({size: [2, 2], interpolation: 'bilinear', name: `${prefix}_up`}), x);
  return applyLayer(tf.layers.conv2d({filters, kernelSize: 1, padding: 'same', name: `${prefix}_upconv`}), up);
}

/**
 * Joins a skip feature and the upsampled decoder feature along channels (`<prefix>_concat`, skip first). With
 * `crop`, the skip feature is first centre-cropped to the decoder size (`<prefix>_crop`), as in the paper.
 */
export function skipConcat(
  skip: tf.SymbolicTensor,
  up: tf.SymbolicTensor,
  crop: boolean,
  prefix: string,
): tf.SymbolicTensor {
  const s = crop ? applyLayer(new CenterCrop2D({name: `${prefix}_crop`}), [skip, up]) : skip;
  return applyLayer(tf.layers.concatenate({axis: -1, name: `${prefix}_concat`}), [s, up]);
}

/** 1x1 conv to `classes` logits (no activation), named `name`. */
export function segmentationHead(x: tf.SymbolicTensor, classes: number, name = 'head'): tf.SymbolicTensor {
  return applyLayer(tf.layers.conv2d({filters: classes, kernelSize: 1, padding: 'same', name}), x);
}
