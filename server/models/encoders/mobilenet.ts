/**
 * MobileNetV2 encoder (Sandler et al. 2018; torchvision layout, width 1.0), split as smp does: levels
 * [input, features[0:2] (/2), features[2:4] (/4), features[4:7] (/8), features[7:14] (/16), features[14:] (/32)],
 * where features[18] is the final 1x1 conv to 1280 channels. Names follow torchvision (`encoder_features_3_conv_1_0`).
 *
 * Depthwise convs: training on WASM needs the gradient kernels of server/backend/depthwiseGrads.ts (the stock WASM
 * backend has no DepthwiseConv2dNativeBackprop* kernels).
 */
import * as tf from '@tensorflow/tfjs';
import {activation, add, batchNorm, conv, NormOptions} from '../base/layers';
import {Encoder, EncoderEntry, EncoderOptions, IMAGENET, StagePlan, normOptions, pyramidStrides, stagePlans} from './types';

export interface MobileNetV2Params {
  /** Inverted-residual settings [expansion t, channels c, repeats n, stride s] (the paper's Table 2). */
  readonly settings: readonly (readonly [number, number, number, number])[];
  readonly stemChannels: number;
  readonly lastChannels: number;
}

const SETTINGS: MobileNetV2Params['settings'] = Object.freeze(
  [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]].map(
    (s) => Object.freeze(s) as unknown as readonly [number, number, number, number],
  ),
);

/** Last `features` index of each pyramid level 1..5 (smp's split). */
const LEVEL_ENDS = [1, 3, 6, 13, 18];

function convBnRelu6(x: tf.SymbolicTensor, name: string, filters: number, kernel: number, plan: StagePlan, norm: NormOptions, depthwise = false): tf.SymbolicTensor {
  const y = conv(x, {name: `${name}_0`, filters, kernel, stride: plan.stride, rate: plan.rate, depthwise});
  return activation(batchNorm(y, `${name}_1`, norm), 'relu6', `${name}_2`);
}

interface BlockSpec {
  readonly inp: number;
  readonly oup: number;
  readonly t: number;
  /** torchvision's stride for this block; the residual exists iff it is 1 and inp == oup (dilation keeps that). */
  readonly stride: number;
}

function invertedResidual(x: tf.SymbolicTensor, i: number, b: BlockSpec, plan: StagePlan, norm: NormOptions): tf.SymbolicTensor {
  const {inp, oup, t} = b;
  const name = `encoder_features_${i}_conv`;
  const hidden = inp * t;
  let y = x;
  let j = 0;
  if (t !== 1) y = convBnRelu6(y, `${name}_${j++}`, hidden, 1, {stride: 1, rate: 1}, norm);
  y = convBnRelu6(y, `${name}_${j++}`, hidden, 3, plan, norm, true);
  y = conv(y, {name: `${name}_${j++}`, filters: oup, kernel: 1});
  y = batchNorm(y, `${name}_${j++}`, norm);
  return b.stride === 1 && inp === oup ? add([x, y], `encoder_features_${i}_add`) : y;
}

export function buildMobileNetV2(p: MobileNetV2Params, opts: EncoderOptions, name: string): Encoder {
  const strides = pyramidStrides(opts.depth, opts.outputStride);
  const plans = stagePlans(opts.depth, opts.outputStride);
  const norm = normOptions(opts);
  const blocks: BlockSpec[] = []; // features[1..17]
  let inp = p.stemChannels;
  for (const [t, c, n, s] of p.settings) {
    for (let r = 0; r < n; r++) {
      blocks.push({inp, oup: c, t, stride: r === 0 ? s : 1});
      inp = c;
    }
  }
  const levelChannels = [opts.inChannels, 16, 24, 32, 96, p.lastChannels];
  return {
    name,
    outChannels: levelChannels.slice(0, opts.depth + 1),
    strides,
    outputStride: strides[opts.depth],
    firstFeatureIsInput: true,
    features: (input) => {
      const out = [input];
      let x = convBnRelu6(input, 'encoder_features_0', p.stemChannels, 3, plans[1], norm);
      let index = 1;
      for (let level = 1; level <= opts.depth; level++) {
        const plan = plans[level];
        for (; index <= LEVEL_ENDS[level - 1]; index++) {
          if (index === 18) {
            x = convBnRelu6(x, 'encoder_features_18', p.lastChannels, 1, {stride: 1, rate: 1}, norm);
            continue;
          }
          const block = blocks[index - 1];
          x = invertedResidual(x, index, block, {stride: block.stride === 2 ? plan.stride : 1, rate: plan.rate}, norm);
        }
        out.push(x);
      }
      return out;
    },
  };
}

export const MOBILENET_ENCODERS = Object.freeze({
  mobilenet_v2: Object.freeze({
    family: 'mobilenet' as const,
    params: Object.freeze({settings: SETTINGS, stemChannels: 32, lastChannels: 1280}),
    overridable: Object.freeze([]),
    build: buildMobileNetV2,
    preprocessing: IMAGENET,
    description: 'MobileNetV2 (width 1.0)',
  }) as EncoderEntry<MobileNetV2Params>,
});
