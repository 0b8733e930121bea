/**
 * Atrous Spatial Pyramid Pooling (Chen et al. 2017), smp's module: a 1x1 conv, three 3x3 atrous convs (optionally
 * depthwise-separable), image pooling (global average -> 1x1 conv, broadcast back), each + BN + ReLU, concatenated
 * and projected by a 1x1 conv + BN + ReLU + Dropout. All convs bias-free.
 *
 * Rates: the DeepLabV3 paper uses 6/12/18 at output stride 16 (12/24/36 at 8); smp's default is 12/24/36 for both.
 * `defaultAtrousRates` follows the paper. Names: `decoder_aspp_convs_<i>_...`, `decoder_aspp_project_...`.
 */
import * as tf from '@tensorflow/tfjs';
import {NormOptions, activation, apply, batchNorm, concat, conv, convBnAct, globalPool} from '../../base/layers';
import {BroadcastLike} from '../../base/resize';

export interface AsppOptions {
  readonly channels: number;
  readonly rates: readonly [number, number, number];
  readonly separable: boolean;
  readonly dropout: number;
  readonly norm: NormOptions;
}

/** The paper's rates for an output stride: 6/12/18 at 16, doubled at 8. */
export function defaultAtrousRates(outputStride: number): [number, number, number] {
  const scale = 16 / outputStride;
  return [6 * scale, 12 * scale, 18 * scale];
}

/** Depthwise k x k (dilated) + pointwise 1x1, both bias-free (smp's SeparableConv2d). */
export function separableConv(x: tf.SymbolicTensor, name: string, filters: number, rate: number): tf.SymbolicTensor {
  const dw = conv(x, {name: `${name}_depthwise`, filters: 0, kernel: 3, rate, depthwise: true});
  return conv(dw, {name: `${name}_pointwise`, filters, kernel: 1});
}

/** Separable 3x3 conv + BN + ReLU. */
export function separableConvBnRelu(x: tf.SymbolicTensor, name: string, filters: number, rate: number, norm: NormOptions): tf.SymbolicTensor {
  return activation(batchNorm(separableConv(x, name, filters, rate), `${name}_bn`, norm), 'relu', `${name}_relu`);
}

export function aspp(x: tf.SymbolicTensor, o: AsppOptions): tf.SymbolicTensor {
  const p = 'decoder_aspp';
  const branches = [convBnAct(x, {name: `${p}_convs_0`, filters: o.channels, kernel: 1}, o.norm)];
  o.rates.forEach((rate, i) => {
    const name = `${p}_convs_${i + 1}`;
    branches.push(
      o.separable
        ? separableConvBnRelu(x, name, o.channels, rate, o.norm)
        : convBnAct(x, {name, filters: o.channels, kernel: 3, rate}, o.norm),
    );
  });
  const pooled = convBnAct(globalPool(x, 'avg', `${p}_convs_4_pool`), {name: `${p}_convs_4`, filters: o.channels, kernel: 1}, o.norm);
  branches.push(apply(new BroadcastLike({name: `${p}_convs_4_broadcast`}), [pooled, x]));
  let y = convBnAct(concat(branches, `${p}_concat`), {name: `${p}_project`, filters: o.channels, kernel: 1}, o.norm);
  if (o.dropout > 0) y = apply(tf.layers.dropout({rate: o.dropout, name: `${p}_project_dropout`}), y);
  return y;
}
