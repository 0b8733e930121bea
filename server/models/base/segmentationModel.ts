/**
 * What every encoder-decoder architecture shares: the config fields of the encoder, their validation, the
 * segmentation head, and the assembly of input -> encoder -> decoder -> head(s) into one tf.LayersModel.
 *
 * Outputs are logits, NHWC, at the input resolution. A model with extra heads (deep supervision, a presence
 * classifier) has several outputs, the main segmentation first (see `describeOutputs` in ../registry).
 */
import * as tf from '@tensorflow/tfjs';
import {Encoder, OutputStride, createEncoder} from '../encoders';
import {SpatialSize, checkInputSize} from './inputSize';
import {NormOptions, conv, resize} from './layers';
import {TORCH_BN_EPSILON} from '../encoders/types';

/** Config fields shared by every encoder-decoder architecture (smp's names). */
export interface CommonModelConfig {
  readonly encoderName: string;
  /** Number of encoder stages, 3-5 (default 5). */
  readonly encoderDepth?: number;
  /** 32 (no dilation), 16 or 8; default per architecture. */
  readonly encoderOutputStride?: OutputStride;
  /** Overrides of the encoder's registry params (only the 'plain' encoder takes any). */
  readonly encoderParams?: Readonly<Record<string, unknown>>;
  readonly inChannels: number;
  /** Output channels: 1 = one sigmoid logit (binary), >= 2 = softmax over classes incl. background. */
  readonly classes: number;
  /** TF.js BatchNorm momentum (keep factor; default 0.9 == PyTorch 0.1). */
  readonly batchNormMomentum?: number;
}

export const DEFAULT_ENCODER_DEPTH = 5;
export const DEFAULT_BN_MOMENTUM = 0.9;

/** Throws `model.<field> must be <expected>; got <value>`. */
export function fail(field: string, value: unknown, expected: string): never {
  throw new Error(`model.${field} must be ${expected}; got ${JSON.stringify(value)}`);
}

export function checkBoolean(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') fail(field, value, 'true or false');
}

export function checkOneOf<T>(field: string, value: unknown, allowed: readonly T[]): void {
  if (value !== undefined && !allowed.includes(value as T)) fail(field, value, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
}

export function checkCommon(cfg: CommonModelConfig): void {
  if (!Number.isInteger(cfg.classes) || cfg.classes < 1 || cfg.classes > 255) {
    fail('classes', cfg.classes, 'an integer from 1 to 255 (1 = a single sigmoid logit, >= 2 = softmax incl. background)');
  }
  if (cfg.encoderParams !== undefined && (typeof cfg.encoderParams !== 'object' || cfg.encoderParams === null || Array.isArray(cfg.encoderParams))) {
    fail('encoderParams', cfg.encoderParams, 'an object');
  }
}

/** BatchNorm options of the decoder. */
export function decoderNorm(cfg: CommonModelConfig): NormOptions {
  return {momentum: cfg.batchNormMomentum ?? DEFAULT_BN_MOMENTUM, epsilon: TORCH_BN_EPSILON};
}

/**
 * Builds the configured encoder (validating its options). `depth` overrides the config's encoderDepth for a
 * shallower sub-network (U-Net++ pruning) and may then be 1 or 2.
 */
export function encoderOf(cfg: CommonModelConfig, defaultOutputStride: OutputStride, depth?: number): Encoder {
  return createEncoder(
    cfg.encoderName,
    {
      inChannels: cfg.inChannels,
      depth: depth ?? cfg.encoderDepth ?? DEFAULT_ENCODER_DEPTH,
      outputStride: cfg.encoderOutputStride ?? defaultOutputStride,
      batchNormMomentum: cfg.batchNormMomentum ?? DEFAULT_BN_MOMENTUM,
    },
    cfg.encoderParams ?? {},
    depth === undefined ? undefined : 1,
  );
}

/** The multiple the input height and width must be of: the deepest pyramid level's stride. */
export function requiredStride(encoder: Encoder): number {
  return encoder.strides[encoder.strides.length - 1];
}

/** k x k conv to `classes` logits (bias, no activation), then upsampling by `upsampling` (bilinear) if > 1. */
export function segmentationHead(x: tf.SymbolicTensor, classes: number, kernel: number, upsampling: number, name: string): tf.SymbolicTensor {
  const logits = conv(x, {name, filters: classes, kernel, bias: true, init: 'glorotUniform'});
  return resize(logits, upsampling, 'bilinear', `${name}_upsampling`);
}

export interface Assembly {
  readonly name: string;
  readonly inputSize: SpatialSize;
  readonly inChannels: number;
  readonly encoder: Encoder;
  /** Decoder + heads on the feature pyramid; main output first. */
  readonly body: (features: tf.SymbolicTensor[]) => tf.SymbolicTensor[];
}

/** input -> encoder -> body; checks the input size against the encoder's stride first (no weights allocated). */
export function assemble(a: Assembly): tf.LayersModel {
  checkInputSize(a.inputSize, requiredStride(a.encoder), `${a.name} (encoderDepth ${a.encoder.strides.length - 1})`);
  const input = tf.input({shape: [a.inputSize[0], a.inputSize[1], a.inChannels], name: 'input'});
  const outputs = a.body(a.encoder.features(input));
  return tf.model({inputs: input, outputs: outputs.length === 1 ? outputs[0] : outputs, name: a.name});
}
