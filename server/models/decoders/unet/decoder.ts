/**
 * U-Net decoder over any encoder, smp's layout: from the deepest level up, each block upsamples, concatenates the
 * skip of the next level (upsampled first, as smp) and applies two 3x3 conv(+BN)+ReLU. Level 0 is a skip only when
 * the encoder's level 0 is a learned feature (plain, VGG); ResNet-style encoders get a last block without skip,
 * exactly like smp. Upsampling: 'nearest' (smp), 'bilinear', or 'transpose' (the paper's and Zhou et al.'s 2x2
 * up-convolution to the block's width). Names: `decoder_blocks_<k>_up`, `_concat`, `_conv1_conv`, `_conv1_bn`...
 */
import * as tf from '@tensorflow/tfjs';
import {NormOptions, concat, convBnAct, resize, upConv2x2} from '../../base/layers';
import {Encoder} from '../../encoders';

export const UPSAMPLINGS = ['nearest', 'bilinear', 'transpose'] as const;
export type DecoderUpsampling = (typeof UPSAMPLINGS)[number];

export interface UnetBlockOptions {
  readonly upsampling: DecoderUpsampling;
  /** null = no BatchNorm (convs get a bias). */
  readonly norm: NormOptions | null;
}

/** Upsamples `x` by `factor` (a stride ratio: 2, or 1 between dilated levels). */
export function upsampleBy(x: tf.SymbolicTensor, factor: number, filters: number, o: UnetBlockOptions, name: string): tf.SymbolicTensor {
  if (factor === 1) return x;
  if (o.upsampling === 'transpose') {
    if (factor !== 2) throw new Error(`internal: transposed upsampling by ${factor}`);
    return upConv2x2(x, filters, name);
  }
  return resize(x, factor, o.upsampling, name);
}

/** Two conv(+BN)+ReLU of `filters` channels: the U-Net block body. */
export function doubleConv(x: tf.SymbolicTensor, filters: number, norm: NormOptions | null, name: string): tf.SymbolicTensor {
  const y = convBnAct(x, {name: `${name}_conv1`, filters, kernel: 3}, norm);
  return convBnAct(y, {name: `${name}_conv2`, filters, kernel: 3}, norm);
}

/** The skip feature of `level`, or null (level 0 of an encoder whose level 0 is the raw input). */
export function skipAt(features: tf.SymbolicTensor[], encoder: Encoder, level: number): tf.SymbolicTensor | null {
  return level === 0 && encoder.firstFeatureIsInput ? null : features[level];
}

/** U-Net decoder; `channels[k]` is the width of block k (deepest first, one per encoder level). */
export function unetDecoder(features: tf.SymbolicTensor[], encoder: Encoder, channels: readonly number[], o: UnetBlockOptions): tf.SymbolicTensor {
  const depth = features.length - 1;
  let x = features[depth];
  for (let k = 0; k < depth; k++) {
    const level = depth - 1 - k;
    const name = `decoder_blocks_${k}`;
    const up = upsampleBy(x, encoder.strides[level + 1] / encoder.strides[level], channels[k], o, `${name}_up`);
    const skip = skipAt(features, encoder, level);
    x = doubleConv(skip ? concat([up, skip], `${name}_concat`) : up, channels[k], o.norm, name);
  }
  return x;
}
