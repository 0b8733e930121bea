/**
 * Model registry: plain data, one line per architecture (smp's layout: an architecture = a folder under
 * decoders/ + one line here). `createModel` never mutates the registry or the config it is given.
 *
 * A config with `encoderName` is an encoder-decoder model; `arch: 'unet'` without `encoderName` is the classic
 * U-Net builder of models/unet/ (padded or the paper's valid mode, `baseFilters`), kept for existing configs.
 */
import * as tf from '@tensorflow/tfjs';
import {InputSize, UnetConfig, buildUnet} from './unet/model';
import {UnetModelConfig, buildUnetModel} from './decoders/unet/model';
import {UnetPlusPlusConfig, buildUnetPlusPlusModel} from './decoders/unetplusplus/model';
import {Unet3PlusConfig, buildUnet3PlusModel} from './decoders/unet3plus/model';
import {DeepLabV3Config, buildDeepLabV3Model} from './decoders/deeplabv3/model';
import {DeepLabV3PlusConfig, buildDeepLabV3PlusModel} from './decoders/deeplabv3plus/model';
import {DEFAULT_ENCODER_DEPTH} from './base/segmentationModel';
import {ENCODERS as ENCODERS_BY_NAME, OutputStride} from './encoders';

export {paramCount, ParamCount} from './base/paramCount';
export {CenterCrop2D} from './base/centerCrop';
export {AtrousConv2D} from './base/atrous';
export {Resize2D, BroadcastLike} from './base/resize';
export {PresenceGate, presenceTargets} from './decoders/unet3plus/cgm';
export {checkInputSize, padToStride, cropToSize, stridePadding} from './base/inputSize';
export {ENCODERS, ENCODER_NAMES, DEPTHWISE_ENCODERS} from './encoders';
export {pruneUnetPlusPlus} from './decoders/unetplusplus/model';
export type {InputSize, UnetConfig} from './unet/model';
export type {UnetModelConfig, UnetPlusPlusConfig, Unet3PlusConfig, DeepLabV3Config, DeepLabV3PlusConfig};

/** Encoder-decoder configs, by architecture. */
export type EncoderModelConfig = UnetModelConfig | UnetPlusPlusConfig | Unet3PlusConfig | DeepLabV3Config | DeepLabV3PlusConfig;
/** Every model config: the classic U-Net (no `encoderName`) or an encoder-decoder model. */
export type ModelConfig = UnetConfig | EncoderModelConfig;

export interface ModelEntry<C> {
  /** Builds the model for a spatial input size ([null, null] = any size the stride allows). */
  readonly build: (cfg: C, inputSize: InputSize) => tf.LayersModel;
  /** Output stride of the encoder when the config leaves it unset. */
  readonly defaultOutputStride: OutputStride;
  readonly description: string;
}

export const MODELS = Object.freeze({
  unet: Object.freeze({build: buildUnetModel, defaultOutputStride: 32, description: 'U-Net (Ronneberger et al. 2015), smp decoder over any encoder'}),
  unetplusplus: Object.freeze({build: buildUnetPlusPlusModel, defaultOutputStride: 32, description: 'U-Net++ (Zhou et al. 2018): nested skips, deep supervision, pruning'}),
  unet3plus: Object.freeze({build: buildUnet3PlusModel, defaultOutputStride: 32, description: 'U-Net 3+ (Huang et al. 2020): full-scale skips, deep supervision, CGM'}),
  deeplabv3: Object.freeze({build: buildDeepLabV3Model, defaultOutputStride: 8, description: 'DeepLabV3 (Chen et al. 2017): ASPP on a dilated encoder'}),
  deeplabv3plus: Object.freeze({build: buildDeepLabV3PlusModel, defaultOutputStride: 16, description: 'DeepLabV3+ (Chen et al. 2018): ASPP + low-level decoder'}),
} satisfies Record<EncoderModelConfig['arch'], ModelEntry<never>>);

export type ModelArch = keyof typeof MODELS;

/** Names accepted in `model.arch`. */
export const MODEL_ARCHS = Object.freeze(Object.keys(MODELS)) as readonly ModelArch[];

function archOf(cfg: ModelConfig): ModelArch {
  const arch: unknown = (cfg as {arch?: unknown}).arch;
  if (typeof arch !== 'string' || !Object.prototype.hasOwnProperty.call(MODELS, arch)) {
    throw new Error(`model.arch ${JSON.stringify(arch)} is unknown; valid: ${MODEL_ARCHS.join(', ')}`);
  }
  return arch as ModelArch;
}

/** True for the classic U-Net config (models/unet/): `arch: 'unet'` without `encoderName`. */
export function isClassicUnet(cfg: ModelConfig): cfg is UnetConfig {
  return cfg.arch === 'unet' && !('encoderName' in cfg && (cfg as {encoderName?: unknown}).encoderName !== undefined);
}

/** Builds the model named by `cfg.arch`; unknown names get an error listing the valid ones. */
export function createModel(cfg: ModelConfig, inputSize: InputSize = [null, null]): tf.LayersModel {
  const arch = archOf(cfg);
  if (isClassicUnet(cfg)) return buildUnet(cfg, inputSize);
  const build = MODELS[arch].build as (c: EncoderModelConfig, s: InputSize) => tf.LayersModel;
  return build(cfg as EncoderModelConfig, inputSize);
}

/** The multiple of which input height and width must be (without building): the deepest level's stride. */
export function inputStrideOf(cfg: ModelConfig): number {
  const arch = archOf(cfg);
  if (isClassicUnet(cfg)) return 2 ** cfg.encoderDepth;
  const depth = cfg.encoderDepth ?? DEFAULT_ENCODER_DEPTH;
  const levels = arch === 'unetplusplus' ? Math.min(depth, (cfg as UnetPlusPlusConfig).pruneLevel ?? depth) : depth;
  return Math.min(2 ** levels, cfg.encoderOutputStride ?? MODELS[arch].defaultOutputStride);
}

/** One model output, in model order. */
export interface OutputSpec {
  /** Name of the layer that produces it. */
  readonly layer: string;
  /** 'mask': logits [N, H, W, classes] at input resolution; 'presence': image-level logits [N, K] (U-Net 3+ CGM). */
  readonly kind: 'mask' | 'presence';
  /** True for the main segmentation output (always the first). */
  readonly main: boolean;
  /** Last dimension: `classes` for masks; 2 (absent, present) or `classes` for presence logits. */
  readonly channels: number;
}

/** The outputs `createModel(cfg)` returns, main segmentation first (auxiliary heads train with their own losses). */
export function describeOutputs(cfg: ModelConfig): OutputSpec[] {
  const main: OutputSpec = {layer: 'segmentation_head', kind: 'mask', main: true, channels: cfg.classes};
  const aux = (layer: string): OutputSpec => ({layer, kind: 'mask', main: false, channels: cfg.classes});
  if (isClassicUnet(cfg)) return [{...main, layer: 'head'}];
  const depth = cfg.encoderDepth ?? DEFAULT_ENCODER_DEPTH;
  if (cfg.arch === 'unetplusplus') {
    const level = cfg.pruneLevel ?? depth;
    if (level < depth) return [{...main, layer: `segmentation_head_${level}`}];
    if (!cfg.deepSupervision) return [main];
    return [main, ...Array.from({length: depth - 1}, (_, k) => aux(`segmentation_head_${k + 1}`))];
  }
  if (cfg.arch === 'unet3plus') {
    const s0 = firstLevelIsInput(cfg.encoderName) ? 1 : 0;
    const masks: OutputSpec[] = [main];
    if (cfg.deepSupervision) {
      for (let level = s0 + 1; level <= depth; level++) masks.push(aux(`segmentation_head_${level}`));
    }
    const cgm = cfg.cgm ?? 'none';
    if (cgm === 'none') return masks;
    const presence: OutputSpec = {layer: 'presence', kind: 'presence', main: false, channels: cgm === 'binary' ? 2 : cfg.classes};
    return [...masks.map((m, i) => ({...m, layer: `cgm_gate_${i}`})), presence];
  }
  return [main];
}

function firstLevelIsInput(encoderName: string): boolean {
  const family = (ENCODERS_BY_NAME as Record<string, {family: string} | undefined>)[encoderName]?.family;
  return family !== 'vgg' && family !== 'plain';
}
