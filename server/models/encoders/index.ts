/**
 * The encoder registry: plain data, one entry per name. `createEncoder` copies the entry's params (plus the
 * config's `encoderParams` overrides) into a fresh object before building; the registry is frozen and never mutated.
 */
import {EFFICIENTNET_ENCODERS} from './efficientnet';
import {MOBILENET_ENCODERS} from './mobilenet';
import {PLAIN_ENCODERS} from './plain';
import {RESNET_ENCODERS} from './resnet';
import {Encoder, EncoderEntry, EncoderOptions, MAX_ENCODER_DEPTH, MIN_ENCODER_DEPTH, OUTPUT_STRIDES, checkParamKeys} from './types';
import {VGG_ENCODERS} from './vgg';

export * from './types';

export const ENCODERS = Object.freeze({
  ...RESNET_ENCODERS,
  ...VGG_ENCODERS,
  ...MOBILENET_ENCODERS,
  ...EFFICIENTNET_ENCODERS,
  ...PLAIN_ENCODERS,
});

export type EncoderName = keyof typeof ENCODERS;
export const ENCODER_NAMES = Object.freeze(Object.keys(ENCODERS)) as readonly EncoderName[];

/** Depthwise-conv encoders: their gradients need DepthwiseConv2dNativeBackprop* kernels (missing on WASM). */
export const DEPTHWISE_ENCODERS: readonly EncoderName[] = Object.freeze(
  ENCODER_NAMES.filter((n) => ENCODERS[n].family === 'mobilenet' || ENCODERS[n].family === 'efficientnet'),
);

export function isEncoderName(name: unknown): name is EncoderName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(ENCODERS, name);
}

/** Checks the options every encoder shares; messages name the config field. */
export function checkEncoderOptions(opts: EncoderOptions, minDepth = MIN_ENCODER_DEPTH): void {
  const {inChannels, depth, outputStride, batchNormMomentum} = opts;
  if (!Number.isInteger(inChannels) || inChannels < 1 || inChannels > 64) {
    throw new Error(`model.inChannels must be an integer from 1 to 64; got ${JSON.stringify(inChannels)}`);
  }
  if (!Number.isInteger(depth) || depth < minDepth || depth > MAX_ENCODER_DEPTH) {
    throw new Error(`model.encoderDepth must be an integer from ${minDepth} to ${MAX_ENCODER_DEPTH}; got ${JSON.stringify(depth)}`);
  }
  if (!(OUTPUT_STRIDES as readonly number[]).includes(outputStride)) {
    throw new Error(`model.encoderOutputStride must be one of ${OUTPUT_STRIDES.join(', ')}; got ${JSON.stringify(outputStride)}`);
  }
  if (typeof batchNormMomentum !== 'number' || !(batchNormMomentum > 0 && batchNormMomentum < 1)) {
    throw new Error(`model.batchNormMomentum must be a number in (0, 1) (TF.js keep factor: 0.9 == PyTorch momentum 0.1); got ${JSON.stringify(batchNormMomentum)}`);
  }
}

/**
 * Builds the encoder `name` (an unknown name gets an error listing the valid ones). `overrides` are the config's
 * `model.encoderParams`, allowed only for the keys the entry lists as overridable. Configs take depths 3-5;
 * `minDepth` 1 is for internal sub-networks (U-Net++ pruned at L1, L2).
 */
export function createEncoder(name: string, opts: EncoderOptions, overrides: object = {}, minDepth = MIN_ENCODER_DEPTH): Encoder {
  if (!isEncoderName(name)) {
    throw new Error(`model.encoderName ${JSON.stringify(name)} is unknown; valid: ${ENCODER_NAMES.join(', ')}`);
  }
  checkEncoderOptions(opts, minDepth);
  const entry = ENCODERS[name] as EncoderEntry<object>;
  checkParamKeys(overrides, entry.overridable, name);
  const params = structuredClone({...entry.params, ...overrides});
  return entry.build(params, opts, name);
}
