/**
 * ResNet-18/34/50 encoders (He et al. 2016; torchvision v1.5 layout, stride on the 3x3 conv of a bottleneck), as
 * smp uses them: stages [input, conv1+bn1+relu (/2), maxpool+layer1 (/4), layer2 (/8), layer3 (/16),
 * layer4 (/32)], no classifier. Layer names follow torchvision's state-dict keys (`encoder_layer1_0_conv1`).
 */
import * as tf from '@tensorflow/tfjs';
import {activation, add, apply, batchNorm, conv, NormOptions} from '../base/layers';
import {Encoder, EncoderEntry, EncoderOptions, IMAGENET, StagePlan, normOptions, pyramidStrides, stagePlans} from './types';

export interface ResNetParams {
  readonly block: 'basic' | 'bottleneck';
  /** Blocks in layer1..layer4. */
  readonly layers: readonly [number, number, number, number];
}

const EXPANSION = {basic: 1, bottleneck: 4} as const;
const PLANES = [64, 128, 256, 512];

interface BlockArgs {
  readonly name: string;
  readonly planes: number;
  readonly plan: StagePlan;
  /** torchvision builds a downsample path when the undilated block would change stride or width. */
  readonly downsample: boolean;
  readonly norm: NormOptions;
}

function basicBlock(x: tf.SymbolicTensor, a: BlockArgs): tf.SymbolicTensor {
  const {name, planes, plan, norm} = a;
  let y = conv(x, {name: `${name}_conv1`, filters: planes, kernel: 3, stride: plan.stride, rate: plan.rate});
  y = activation(batchNorm(y, `${name}_bn1`, norm), 'relu', `${name}_relu1`);
  y = conv(y, {name: `${name}_conv2`, filters: planes, kernel: 3, rate: plan.rate});
  y = batchNorm(y, `${name}_bn2`, norm);
  return activation(add([y, shortcut(x, a, planes)], `${name}_add`), 'relu', `${name}_relu`);
}

function bottleneckBlock(x: tf.SymbolicTensor, a: BlockArgs): tf.SymbolicTensor {
  const {name, planes, plan, norm} = a;
  let y = conv(x, {name: `${name}_conv1`, filters: planes, kernel: 1});
  y = activation(batchNorm(y, `${name}_bn1`, norm), 'relu', `${name}_relu1`);
  y = conv(y, {name: `${name}_conv2`, filters: planes, kernel: 3, stride: plan.stride, rate: plan.rate});
  y = activation(batchNorm(y, `${name}_bn2`, norm), 'relu', `${name}_relu2`);
  y = conv(y, {name: `${name}_conv3`, filters: planes * 4, kernel: 1});
  y = batchNorm(y, `${name}_bn3`, norm);
  return activation(add([y, shortcut(x, a, planes * 4)], `${name}_add`), 'relu', `${name}_relu`);
}

function shortcut(x: tf.SymbolicTensor, a: BlockArgs, outChannels: number): tf.SymbolicTensor {
  if (!a.downsample) return x;
  const y = conv(x, {name: `${a.name}_downsample_0`, filters: outChannels, kernel: 1, stride: a.plan.stride});
  return batchNorm(y, `${a.name}_downsample_1`, a.norm);
}

function resLayer(x: tf.SymbolicTensor, p: ResNetParams, layer: number, plan: StagePlan, norm: NormOptions): tf.SymbolicTensor {
  const planes = PLANES[layer - 1];
  const expansion = EXPANSION[p.block];
  const inplanes = layer === 1 ? 64 : PLANES[layer - 2] * expansion;
  const undilatedStride = layer === 1 ? 1 : 2;
  const block = p.block === 'basic' ? basicBlock : bottleneckBlock;
  let y = x;
  for (let b = 0; b < p.layers[layer - 1]; b++) {
    const first = b === 0;
    y = block(y, {
      name: `encoder_layer${layer}_${b}`,
      planes,
      // Only the first block of a layer strides; in a dilated layer every block keeps stride 1.
      plan: {stride: first && layer > 1 ? plan.stride : 1, rate: plan.rate},
      downsample: first && (undilatedStride !== 1 || inplanes !== planes * expansion),
      norm,
    });
  }
  return y;
}

export function buildResNet(p: ResNetParams, opts: EncoderOptions, name: string): Encoder {
  const expansion = EXPANSION[p.block];
  const outChannels = [opts.inChannels, 64, ...PLANES.map((c) => c * expansion)].slice(0, opts.depth + 1);
  const strides = pyramidStrides(opts.depth, opts.outputStride);
  const plans = stagePlans(opts.depth, opts.outputStride);
  const norm = normOptions(opts);
  return {
    name,
    outChannels,
    strides,
    outputStride: strides[opts.depth],
    firstFeatureIsInput: true,
    features: (input) => {
      const out = [input];
      let x = conv(input, {name: 'encoder_conv1', filters: 64, kernel: 7, stride: 2});
      x = activation(batchNorm(x, 'encoder_bn1', norm), 'relu', 'encoder_relu');
      out.push(x);
      for (let stage = 2; stage <= opts.depth; stage++) {
        if (stage === 2) {
          // PyTorch MaxPool2d(3, 2, padding=1) pads with -inf; after a ReLU, zero padding gives the same maxima.
          x = apply(tf.layers.zeroPadding2d({padding: [[1, 1], [1, 1]], name: 'encoder_maxpool_pad'}), x);
          x = apply(tf.layers.maxPooling2d({poolSize: 3, strides: 2, padding: 'valid', name: 'encoder_maxpool'}), x);
        }
        x = resLayer(x, p, stage - 1, plans[stage], norm);
        out.push(x);
      }
      return out;
    },
  };
}

function entry(layers: ResNetParams['layers'], block: ResNetParams['block'], description: string): EncoderEntry<ResNetParams> {
  return Object.freeze({
    family: 'resnet' as const,
    params: Object.freeze({block, layers: Object.freeze([...layers]) as unknown as ResNetParams['layers']}),
    overridable: Object.freeze([]),
    build: buildResNet,
    preprocessing: IMAGENET,
    description,
  });
}

export const RESNET_ENCODERS = Object.freeze({
  resnet18: entry([2, 2, 2, 2], 'basic', 'ResNet-18 (basic blocks 2-2-2-2)'),
  resnet34: entry([3, 4, 6, 3], 'basic', 'ResNet-34 (basic blocks 3-4-6-3)'),
  resnet50: entry([3, 4, 6, 3], 'bottleneck', 'ResNet-50 (bottlenecks 3-4-6-3)'),
});
