/**
 * The encoder contract (smp's, in TF.js terms). An encoder turns an input into a feature pyramid of `depth + 1`
 * maps, input resolution first; map i has stride `strides[i] = min(2^i, outputStride)` and `outChannels[i]`
 * channels. Output strides below 2^depth come from dilating the last stages (smp's `make_dilated`: every conv of
 * a dilated stage gets stride 1 and dilation rate 2, then 4).
 */
import * as tf from '@tensorflow/tfjs';
import {NormOptions} from '../base/layers';

export const OUTPUT_STRIDES = [8, 16, 32] as const;
export type OutputStride = (typeof OUTPUT_STRIDES)[number];

export const MIN_ENCODER_DEPTH = 3;
export const MAX_ENCODER_DEPTH = 5;

/** What every encoder build takes besides its family parameters. */
export interface EncoderOptions {
  readonly inChannels: number;
  /** Number of 2x downsampling stages, 3-5. */
  readonly depth: number;
  /** 32 = no dilation; 16 or 8 dilate the last one or two stages (when depth allows). */
  readonly outputStride: OutputStride;
  /** TF.js BatchNorm momentum (keep factor); 0.9 == PyTorch 0.1. */
  readonly batchNormMomentum: number;
}

/** A built encoder description; `features` adds the layers to a functional graph. */
export interface Encoder {
  readonly name: string;
  /** Channels of each pyramid level (depth + 1 entries, input resolution first). */
  readonly outChannels: readonly number[];
  /** Stride of each pyramid level relative to the input. */
  readonly strides: readonly number[];
  /** Stride of the deepest level. */
  readonly outputStride: number;
  /**
   * True when level 0 is the input image itself (ResNet, MobileNet, EfficientNet: their first conv is strided);
   * false when it is a learned full-resolution feature (VGG, the plain U-Net encoder). U-Net-style decoders
   * skip-connect level 0 only when it is a learned feature.
   */
  readonly firstFeatureIsInput: boolean;
  /** Builds the encoder layers (named `encoder_...`) on `input`; returns the depth + 1 pyramid levels. */
  readonly features: (input: tf.SymbolicTensor) => tf.SymbolicTensor[];
}

/** Registry entry: plain data. `params` is copied before every build and never mutated. */
export interface EncoderEntry<P extends object = object> {
  readonly family: 'resnet' | 'vgg' | 'mobilenet' | 'efficientnet' | 'plain';
  readonly params: Readonly<P>;
  /** Keys of `params` a config may override through `model.encoderParams` (empty for fixed architectures). */
  readonly overridable: readonly string[];
  /** Builds from a private copy of the params (the registry copies them); `name` is the registry key. */
  readonly build: (params: P, opts: EncoderOptions, name: string) => Encoder;
  /** ImageNet normalisation of the pretrained weights this layout matches (none for 'plain'). */
  readonly preprocessing?: {readonly mean: readonly number[]; readonly std: readonly number[]};
  readonly description: string;
}

/** How stage s (1..depth) downsamples: stride 2 without dilation, or stride 1 with a dilation rate. */
export interface StagePlan {
  readonly stride: 1 | 2;
  readonly rate: number;
}

/**
 * Stage plans for 1..depth (index 0 unused = the input level): stages deeper than log2(outputStride) keep stride 1
 * and dilate by 2, 4, ... (smp: OS 16 dilates stage 5 by 2; OS 8 dilates stage 4 by 2 and stage 5 by 4).
 */
export function stagePlans(depth: number, outputStride: number): StagePlan[] {
  const k = Math.log2(outputStride);
  const plans: StagePlan[] = [{stride: 1, rate: 1}];
  for (let s = 1; s <= depth; s++) plans.push(s <= k ? {stride: 2, rate: 1} : {stride: 1, rate: 2 ** (s - k)});
  return plans;
}

/** Strides of the pyramid levels 0..depth. */
export function pyramidStrides(depth: number, outputStride: number): number[] {
  return Array.from({length: depth + 1}, (_, i) => Math.min(2 ** i, outputStride));
}

/** PyTorch's BatchNorm epsilon (torchvision encoders, smp decoders). */
export const TORCH_BN_EPSILON = 1e-5;

export function normOptions(opts: EncoderOptions, epsilon = TORCH_BN_EPSILON): NormOptions {
  return {momentum: opts.batchNormMomentum, epsilon};
}

/** ImageNet mean / std (RGB, inputs in [0, 1]) used by torchvision and smp pretrained weights. */
export const IMAGENET = Object.freeze({mean: Object.freeze([0.485, 0.456, 0.406]), std: Object.freeze([0.229, 0.224, 0.225])});

/** Validates a family parameter object against the allowed keys, naming `model.encoderParams` on error. */
export function checkParamKeys(params: object, allowed: readonly string[], encoderName: string): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) {
      throw new Error(
        `model.encoderParams.${key} is not a parameter of encoder ${JSON.stringify(encoderName)}; ` +
          (allowed.length ? `valid: ${allowed.join(', ')}` : 'it takes none'),
      );
    }
  }
}
