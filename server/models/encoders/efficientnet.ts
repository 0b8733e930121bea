/**
 * EfficientNet-B0..B3 encoders (Tan & Le 2019; the efficientnet-pytorch layout smp uses): TF 'same' padding,
 * swish, squeeze-and-excitation on every MBConv block, BatchNorm epsilon 1e-3. B1-B3 scale B0's widths
 * (`round_filters`) and repeats (`ceil`). Names follow efficientnet-pytorch (`encoder_blocks_3_depthwise_conv`).
 *
 * Pyramid levels: [input, stem (/2), end of the 24-channel stage (/4), end of the 40-channel stage (/8), end of
 * the 112-channel stage (/16), end of the 320-channel stage (/32)]. smp cuts B1-B3 the same way but cuts B0's
 * /16 level after the first of the three 112-channel blocks (`stage_idxs (3, 5, 9)`); every block is used either
 * way and the parameter count is the same. Not built: the unused 1x1 head conv to 1280 channels (smp keeps it in
 * the module, so smp counts 412,160 more parameters for B0) and drop-connect (stochastic depth).
 *
 * Depthwise convs: see mobilenet.ts for WASM training.
 */
import * as tf from '@tensorflow/tfjs';
import {activation, add, apply, batchNorm, conv, globalPool, NormOptions} from '../base/layers';
import {Encoder, EncoderEntry, EncoderOptions, IMAGENET, StagePlan, normOptions, pyramidStrides, stagePlans} from './types';

export interface EfficientNetParams {
  readonly widthCoefficient: number;
  readonly depthCoefficient: number;
}

/** B0 stages: [repeats, kernel, stride, expansion, in, out]; SE ratio 0.25 everywhere. */
const B0_STAGES: readonly (readonly [number, number, number, number, number, number])[] = [
  [1, 3, 1, 1, 32, 16],
  [2, 3, 2, 6, 16, 24],
  [2, 5, 2, 6, 24, 40],
  [3, 3, 2, 6, 40, 80],
  [3, 5, 1, 6, 80, 112],
  [4, 5, 2, 6, 112, 192],
  [1, 3, 1, 6, 192, 320],
];
/** Which B0 stages (indices above) make up pyramid levels 2..5 (level 1 is the stem). */
const LEVEL_STAGES = [[0, 1], [2], [3, 4], [5, 6]];
const SE_RATIO = 0.25;
const EPSILON = 1e-3;

/** efficientnet-pytorch's round_filters (divisor 8). */
export function roundFilters(filters: number, width: number): number {
  const f = filters * width;
  let rounded = Math.max(8, Math.floor((f + 4) / 8) * 8);
  if (rounded < 0.9 * f) rounded += 8;
  return rounded;
}

interface MBConv {
  readonly inp: number;
  readonly oup: number;
  readonly kernel: number;
  readonly stride: number;
  readonly expand: number;
}

function squeezeExcite(x: tf.SymbolicTensor, name: string, hidden: number, squeezed: number): tf.SymbolicTensor {
  let s = globalPool(x, 'avg', `${name}_se_pool`);
  s = conv(s, {name: `${name}_se_reduce`, filters: squeezed, kernel: 1, bias: true});
  s = activation(s, 'swish', `${name}_se_swish`);
  s = conv(s, {name: `${name}_se_expand`, filters: hidden, kernel: 1, bias: true});
  s = activation(s, 'sigmoid', `${name}_se_sigmoid`);
  return apply(tf.layers.multiply({name: `${name}_se_scale`}), [x, s]);
}

function mbConv(x: tf.SymbolicTensor, i: number, b: MBConv, plan: StagePlan, norm: NormOptions): tf.SymbolicTensor {
  const name = `encoder_blocks_${i}`;
  const hidden = b.inp * b.expand;
  let y = x;
  if (b.expand !== 1) {
    y = conv(y, {name: `${name}_expand_conv`, filters: hidden, kernel: 1});
    y = activation(batchNorm(y, `${name}_bn0`, norm), 'swish', `${name}_swish0`);
  }
  y = conv(y, {name: `${name}_depthwise_conv`, filters: hidden, kernel: b.kernel, stride: plan.stride, rate: plan.rate, depthwise: true, padding: 'same'});
  y = activation(batchNorm(y, `${name}_bn1`, norm), 'swish', `${name}_swish1`);
  y = squeezeExcite(y, name, hidden, Math.max(1, Math.floor(b.inp * SE_RATIO)));
  y = conv(y, {name: `${name}_project_conv`, filters: b.oup, kernel: 1});
  y = batchNorm(y, `${name}_bn2`, norm);
  return b.stride === 1 && b.inp === b.oup ? add([x, y], `${name}_add`) : y;
}

/** The scaled block list, grouped by B0 stage. */
function scaledStages(p: EfficientNetParams): MBConv[][] {
  return B0_STAGES.map(([repeats, kernel, stride, expand, inp, oup]) => {
    const n = Math.ceil(p.depthCoefficient * repeats);
    const [i, o] = [roundFilters(inp, p.widthCoefficient), roundFilters(oup, p.widthCoefficient)];
    return Array.from({length: n}, (_, r) => ({inp: r === 0 ? i : o, oup: o, kernel, stride: r === 0 ? stride : 1, expand}));
  });
}

export function buildEfficientNet(p: EfficientNetParams, opts: EncoderOptions, name: string): Encoder {
  const strides = pyramidStrides(opts.depth, opts.outputStride);
  const plans = stagePlans(opts.depth, opts.outputStride);
  const norm = normOptions(opts, EPSILON);
  const stages = scaledStages(p);
  const stem = roundFilters(32, p.widthCoefficient);
  const levelChannels = [opts.inChannels, stem, ...LEVEL_STAGES.map((ss) => roundFilters(B0_STAGES[ss[ss.length - 1]][5], p.widthCoefficient))];
  return {
    name,
    outChannels: levelChannels.slice(0, opts.depth + 1),
    strides,
    outputStride: strides[opts.depth],
    firstFeatureIsInput: true,
    features: (input) => {
      const out = [input];
      let x = conv(input, {name: 'encoder_conv_stem', filters: stem, kernel: 3, stride: 2, padding: 'same'});
      x = activation(batchNorm(x, 'encoder_bn0', norm), 'swish', 'encoder_swish');
      out.push(x);
      let index = 0;
      for (let level = 2; level <= opts.depth; level++) {
        const plan = plans[level];
        for (const stage of LEVEL_STAGES[level - 2]) {
          for (const block of stages[stage]) {
            x = mbConv(x, index++, block, {stride: block.stride === 2 ? plan.stride : 1, rate: plan.rate}, norm);
          }
        }
        out.push(x);
      }
      return out;
    },
  };
}

function entry(widthCoefficient: number, depthCoefficient: number, description: string): EncoderEntry<EfficientNetParams> {
  return Object.freeze({
    family: 'efficientnet' as const,
    params: Object.freeze({widthCoefficient, depthCoefficient}),
    overridable: Object.freeze([]),
    build: buildEfficientNet,
    preprocessing: IMAGENET,
    description,
  });
}

export const EFFICIENTNET_ENCODERS = Object.freeze({
  'efficientnet-b0': entry(1.0, 1.0, 'EfficientNet-B0'),
  'efficientnet-b1': entry(1.0, 1.1, 'EfficientNet-B1 (B0 scaled: depth x1.1)'),
  'efficientnet-b2': entry(1.1, 1.2, 'EfficientNet-B2 (B0 scaled: width x1.1, depth x1.2)'),
  'efficientnet-b3': entry(1.2, 1.4, 'EfficientNet-B3 (B0 scaled: width x1.2, depth x1.4)'),
});
