/**
 * The plain U-Net contracting path (Ronneberger et al. 2015): level 0 = two 3x3 convs at full resolution, level s =
 * 2x2 max-pool + two 3x3 convs, widths baseFilters * 2^s. The encoder of the U-Net paper (64-1024, no BN), of
 * Zhou et al.'s U-Net++ reference code (32-512, no BN) and of the official U-Net 3+ (64-1024, conv bias + BN).
 * 'same' padding only (the paper's valid mode is the classic builder in models/unet/).
 * Names: `encoder_conv{s}_conv1`, `..._bn1`, `..._relu1`, `..._conv2`..., pools `encoder_pool{s}`.
 */
import * as tf from '@tensorflow/tfjs';
import {activation, batchNorm, conv, maxPool} from '../base/layers';
import {Encoder, EncoderEntry, EncoderOptions, checkParamKeys, normOptions, pyramidStrides, stagePlans} from './types';

export interface PlainParams {
  /** Width of level 0; doubles at every level. */
  readonly baseFilters: number;
  readonly batchNorm: boolean;
  /** Conv bias; default: only without BatchNorm (the U-Net 3+ code keeps it with BN). */
  readonly convBias?: boolean;
}

const KEYS = ['baseFilters', 'batchNorm', 'convBias'];

function checkPlainParams(p: PlainParams, name: string): void {
  checkParamKeys(p, KEYS, name);
  if (!Number.isInteger(p.baseFilters) || p.baseFilters < 1 || p.baseFilters > 1024) {
    throw new Error(`model.encoderParams.baseFilters must be an integer from 1 to 1024; got ${JSON.stringify(p.baseFilters)}`);
  }
  if (typeof p.batchNorm !== 'boolean') throw new Error(`model.encoderParams.batchNorm must be true or false; got ${JSON.stringify(p.batchNorm)}`);
  if (p.convBias !== undefined && typeof p.convBias !== 'boolean') {
    throw new Error(`model.encoderParams.convBias must be true, false or absent; got ${JSON.stringify(p.convBias)}`);
  }
}

export function buildPlain(p: PlainParams, opts: EncoderOptions, name: string): Encoder {
  checkPlainParams(p, name);
  const strides = pyramidStrides(opts.depth, opts.outputStride);
  const plans = stagePlans(opts.depth, opts.outputStride);
  const norm = p.batchNorm ? normOptions(opts) : null;
  const bias = p.convBias ?? !p.batchNorm;
  const widths = Array.from({length: opts.depth + 1}, (_, s) => p.baseFilters * 2 ** s);
  const doubleConv = (x: tf.SymbolicTensor, s: number, rate: number): tf.SymbolicTensor => {
    let y = x;
    for (const i of [1, 2]) {
      y = conv(y, {name: `encoder_conv${s}_conv${i}`, filters: widths[s], kernel: 3, rate, bias});
      if (norm) y = batchNorm(y, `encoder_conv${s}_bn${i}`, norm);
      y = activation(y, 'relu', `encoder_conv${s}_relu${i}`);
    }
    return y;
  };
  return {
    name,
    outChannels: widths,
    strides,
    outputStride: strides[opts.depth],
    firstFeatureIsInput: false,
    features: (input) => {
      const out = [doubleConv(input, 0, 1)];
      for (let s = 1; s <= opts.depth; s++) {
        const pooled = plans[s].stride === 2 ? maxPool(out[s - 1], 2, `encoder_pool${s}`) : out[s - 1];
        out.push(doubleConv(pooled, s, plans[s].rate));
      }
      return out;
    },
  };
}

export const PLAIN_ENCODERS = Object.freeze({
  plain: Object.freeze({
    family: 'plain' as const,
    params: Object.freeze({baseFilters: 64, batchNorm: true}),
    overridable: Object.freeze(KEYS),
    build: buildPlain,
    description: 'Plain U-Net contracting path (double 3x3 convs, widths baseFilters * 2^level)',
  }) as EncoderEntry<PlainParams>,
});
