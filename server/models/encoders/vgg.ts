/**
 * VGG-16 encoder, with or without BatchNorm (Simonyan & Zisserman 2015, configuration D; torchvision layout), as
 * smp splits it: level 0 = block 1's convs at full resolution, level s = max-pool + block s+1's convs, level 5 =
 * the last max-pool alone. Layer names follow torchvision's `features.<index>` (`encoder_features_0`).
 *
 * smp refuses output strides below 32 for VGG; here a dilated level drops its max-pool and dilates its convs.
 */
import * as tf from '@tensorflow/tfjs';
import {activation, batchNorm, conv, maxPool} from '../base/layers';
import {Encoder, EncoderEntry, EncoderOptions, IMAGENET, normOptions, pyramidStrides, stagePlans} from './types';

export interface VggParams {
  /** Conv widths per block (5 blocks, each followed by a 2x2 max-pool). */
  readonly blocks: readonly (readonly number[])[];
  readonly batchNorm: boolean;
}

const CONFIG_D: readonly (readonly number[])[] = Object.freeze([[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]].map((b) => Object.freeze(b)));

export function buildVgg(p: VggParams, opts: EncoderOptions, name: string): Encoder {
  const widths = [p.blocks[0][p.blocks[0].length - 1], ...p.blocks.slice(1).map((b) => b[b.length - 1]), p.blocks[4][p.blocks[4].length - 1]];
  const strides = pyramidStrides(opts.depth, opts.outputStride);
  const plans = stagePlans(opts.depth, opts.outputStride);
  const norm = normOptions(opts);
  return {
    name,
    outChannels: widths.slice(0, opts.depth + 1),
    strides,
    outputStride: strides[opts.depth],
    firstFeatureIsInput: false,
    features: (input) => {
      // torchvision numbering: conv, [bn], relu per conv; one index per max-pool.
      let index = 0;
      const convBlock = (x: tf.SymbolicTensor, block: readonly number[], rate: number): tf.SymbolicTensor => {
        let y = x;
        for (const filters of block) {
          y = conv(y, {name: `encoder_features_${index++}`, filters, kernel: 3, rate, bias: true});
          if (p.batchNorm) y = batchNorm(y, `encoder_features_${index++}`, norm);
          y = activation(y, 'relu', `encoder_features_${index++}`);
        }
        return y;
      };
      const out: tf.SymbolicTensor[] = [];
      let x = convBlock(input, p.blocks[0], 1);
      out.push(x);
      for (let level = 1; level <= opts.depth; level++) {
        const poolName = `encoder_features_${index++}`;
        if (plans[level].stride === 2) x = maxPool(x, 2, poolName);
        if (level < 5) x = convBlock(x, p.blocks[level], plans[level].rate);
        out.push(x);
      }
      return out;
    },
  };
}

function entry(batchNormOn: boolean, description: string): EncoderEntry<VggParams> {
  return Object.freeze({
    family: 'vgg' as const,
    params: Object.freeze({blocks: CONFIG_D, batchNorm: batchNormOn}),
    overridable: Object.freeze([]),
    build: buildVgg,
    preprocessing: IMAGENET,
    description,
  });
}

export const VGG_ENCODERS = Object.freeze({
  vgg16: entry(false, 'VGG-16 (configuration D, no BatchNorm)'),
  vgg16_bn: entry(true, 'VGG-16 with BatchNorm'),
});
