/**
 * U-Net (Ronneberger et al. 2015) built with the tf.layers functional API. Outputs logits, NHWC.
 *
 * Layer names: encoder stage i (1 = full resolution) is `enc{i}_conv1/_bn1/_relu1/_conv2/...` followed by
 * `pool{i}`; the bottleneck is `bottleneck_conv1...` (+ `bottleneck_dropout`); decoder stage i joins encoder stage
 * i: `dec{i}_up` (+ `dec{i}_upconv` for bilinear), `dec{i}_crop` (valid padding), `dec{i}_concat`, `dec{i}_conv1...`;
 * the 1x1 classifier is `head`. Decoder stages run from i = depth down to 1.
 */
import * as tf from '@tensorflow/tfjs';
import {ConvOptions, Padding, Upsampling, doubleConv, maxPool2x2, segmentationHead, skipConcat, upsample2x, applyLayer} from '../base/blocks';
import {checkSameUnetInputSize, validUnetOutputSize} from './sizes';

export {
  checkSameUnetInputSize,
  isValidUnetInputSize,
  validInputSizes,
  validUnetInputSizeFor,
  validUnetOutputSize,
} from './sizes';

export interface UnetConfig {
  readonly arch: 'unet';
  readonly inChannels: number;
  /** Number of classes including background; the head outputs one logit per class. */
  readonly classes: number;
  /** Number of 2x downsamplings, 1-6 (default 4). */
  readonly encoderDepth: number;
  /** Filters of the first stage (default 64); they double at every level. */
  readonly baseFilters: number;
  /** 'same' keeps the size (default); 'valid' is the paper's unpadded U-Net (output smaller than input). */
  readonly padding: Padding;
  /** BatchNorm after every decoder conv (and, unless `encoderUseBatchnorm` says otherwise, every encoder conv). */
  readonly decoderUseBatchnorm: boolean;
  /** BatchNorm in the encoder and bottleneck; defaults to `decoderUseBatchnorm`. */
  readonly encoderUseBatchnorm?: boolean;
  /**
   * TF.js BatchNormalization momentum = keep factor of the moving statistics
   * (`moving = m * moving + (1 - m) * batch`). PyTorch's momentum is `1 - m`: the default 0.9 equals PyTorch's
   * default 0.1. TF.js's own default is 0.99.
   */
  readonly batchNormMomentum: number;
  /** 'transpose' (2x2 transposed conv, default) or 'bilinear' (bilinear upsampling + 1x1 conv). */
  readonly upsampling: Upsampling;
  /** Dropout rate in [0, 1) after the bottleneck ("end of the contracting path" in the paper); 0 = none. */
  readonly dropout: number;
}

/** Defaults for everything but `inChannels` and `classes`. */
export const UNET_DEFAULTS = Object.freeze({
  arch: 'unet' as const,
  encoderDepth: 4,
  baseFilters: 64,
  padding: 'same' as Padding,
  decoderUseBatchnorm: true,
  batchNormMomentum: 0.9,
  upsampling: 'transpose' as Upsampling,
  dropout: 0,
});

/** Spatial input size [height, width]; null = any size (fully convolutional). */
export type InputSize = readonly [number | null, number | null];

function fail(field: string, value: unknown, expected: string): never {
  throw new Error(`model.${field} must be ${expected}; got ${JSON.stringify(value)}`);
}

function checkInt(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) fail(field, value, `an integer from ${min} to ${max}`);
}

/** Validates a complete U-Net config; throws naming the field and the allowed values. */
export function validateUnetConfig(cfg: UnetConfig): void {
  if (cfg.arch !== 'unet') fail('arch', cfg.arch, "'unet'");
  checkInt('inChannels', cfg.inChannels, 1, 64);
  if (!Number.isInteger(cfg.classes) || cfg.classes < 2 || cfg.classes > 255) {
    fail('classes', cfg.classes, 'an integer from 2 to 255 (use 2 for binary: background + foreground)');
  }
  checkInt('encoderDepth', cfg.encoderDepth, 1, 6);
  checkInt('baseFilters', cfg.baseFilters, 1, 1024);
  if (cfg.padding !== 'same' && cfg.padding !== 'valid') fail('padding', cfg.padding, "'same' or 'valid'");
  if (cfg.upsampling !== 'transpose' && cfg.upsampling !== 'bilinear') {
    fail('upsampling', cfg.upsampling, "'transpose' or 'bilinear'");
  }
  if (typeof cfg.decoderUseBatchnorm !== 'boolean') fail('decoderUseBatchnorm', cfg.decoderUseBatchnorm, 'true or false');
  if (cfg.encoderUseBatchnorm !== undefined && typeof cfg.encoderUseBatchnorm !== 'boolean') {
    fail('encoderUseBatchnorm', cfg.encoderUseBatchnorm, 'true, false or absent');
  }
  const m = cfg.batchNormMomentum;
  if (typeof m !== 'number' || !(m > 0 && m < 1)) {
    fail('batchNormMomentum', m, 'a number in (0, 1) (TF.js keep factor: 0.9 == PyTorch momentum 0.1)');
  }
  const d = cfg.dropout;
  if (typeof d !== 'number' || !(d >= 0 && d < 1)) fail('dropout', d, 'a number in [0, 1)');
}

/**
 * Checks known spatial sizes against the architecture: divisible by 2^depth for 'same', a valid size for
 * 'valid' (see validInputSizes). Null sizes are not checked. Throws a message naming the dimension and the fix.
 */
export function checkUnetInputSize(cfg: Pick<UnetConfig, 'padding' | 'encoderDepth'>, size: InputSize): void {
  (['input height', 'input width'] as const).forEach((what, axis) => {
    const s = size[axis];
    if (s == null) return;
    if (cfg.padding === 'same') checkSameUnetInputSize(s, cfg.encoderDepth, what);
    else validUnetOutputSize(s, cfg.encoderDepth, what);
  });
}

/** Output spatial size for a given input size (null stays null). */
export function unetOutputSize(cfg: Pick<UnetConfig, 'padding' | 'encoderDepth'>, size: InputSize): [number | null, number | null] {
  checkUnetInputSize(cfg, size);
  const out = (s: number | null): number | null =>
    s == null || cfg.padding === 'same' ? s : validUnetOutputSize(s, cfg.encoderDepth);
  return [out(size[0]), out(size[1])];
}

/** Builds the U-Net; throws a field-naming error for a bad config or an input size the architecture cannot take. */
export function buildUnet(cfg: UnetConfig, inputSize: InputSize = [null, null]): tf.LayersModel {
  validateUnetConfig(cfg);
  checkUnetInputSize(cfg, inputSize);
  const bn = (use: boolean): ConvOptions => ({
    padding: cfg.padding,
    useBatchnorm: use,
    batchNormMomentum: cfg.batchNormMomentum,
  });
  const encOpts = bn(cfg.encoderUseBatchnorm ?? cfg.decoderUseBatchnorm);
  const decOpts = bn(cfg.decoderUseBatchnorm);
  const filtersAt = (level: number): number => cfg.baseFilters * 2 ** (level - 1);

  const input = tf.input({shape: [inputSize[0], inputSize[1], cfg.inChannels], name: 'input'});
  const skips: tf.SymbolicTensor[] = [];
  let x = input;
  for (let level = 1; level <= cfg.encoderDepth; level++) {
    const feature = doubleConv(x, filtersAt(level), encOpts, `enc${level}`);
    skips.push(feature);
    x = maxPool2x2(feature, `pool${level}`);
  }
  x = doubleConv(x, filtersAt(cfg.encoderDepth + 1), encOpts, 'bottleneck');
  if (cfg.dropout > 0) x = applyLayer(tf.layers.dropout({rate: cfg.dropout, name: 'bottleneck_dropout'}), x);
  for (let level = cfg.encoderDepth; level >= 1; level--) {
    const up = upsample2x(x, filtersAt(level), cfg.upsampling, `dec${level}`);
    const joined = skipConcat(skips[level - 1], up, cfg.padding === 'valid', `dec${level}`);
    x = doubleConv(joined, filtersAt(level), decOpts, `dec${level}`);
  }
  const logits = segmentationHead(x, cfg.classes, 'head');
  return tf.model({inputs: input, outputs: logits, name: 'unet'});
}
