/**
 * U-Net over any encoder (smp's `Unet`): encoder -> U-Net decoder -> 3x3 head (smp's default; 1 for Zhou et
 * al.'s layout). Defaults: encoderDepth 5, decoderChannels [256, 128, 64, 32, 16] (the first `encoderDepth` of
 * them), BatchNorm, nearest upsampling, no dilation (output stride 32).
 *
 * The paper's valid-convolution U-Net with crop-and-concat is the classic builder in models/unet/ (a config
 * without `encoderName`).
 */
import * as tf from '@tensorflow/tfjs';
import {CommonModelConfig, assemble, checkBoolean, checkCommon, checkOneOf, decoderNorm, encoderOf, fail, segmentationHead} from '../../base/segmentationModel';
import {SpatialSize} from '../../base/inputSize';
import {DecoderUpsampling, UPSAMPLINGS, unetDecoder} from './decoder';

export interface UnetModelConfig extends CommonModelConfig {
  readonly arch: 'unet';
  /** Width of each decoder block, deepest first; length encoderDepth. */
  readonly decoderChannels?: readonly number[];
  readonly decoderUseBatchnorm?: boolean;
  readonly upsampling?: DecoderUpsampling;
  /** Kernel of the segmentation head: 3 (smp) or 1. */
  readonly headKernelSize?: 1 | 3;
}

export const SMP_DECODER_CHANNELS = Object.freeze([256, 128, 64, 32, 16]);

/** decoderChannels of a config, defaulting to the first `depth` of smp's [256, 128, 64, 32, 16]. */
export function decoderChannelsOf(channels: readonly number[] | undefined, depth: number): readonly number[] {
  const c = channels ?? SMP_DECODER_CHANNELS.slice(0, depth);
  if (!Array.isArray(c) || c.length !== depth || !c.every((v) => Number.isInteger(v) && v >= 1 && v <= 4096)) {
    fail('decoderChannels', channels, `a list of ${depth} positive integers (one per encoder stage, deepest first)`);
  }
  return c;
}

export function checkUnetFamily(cfg: UnetModelConfig | (CommonModelConfig & Omit<UnetModelConfig, 'arch'>)): void {
  checkCommon(cfg);
  checkBoolean('decoderUseBatchnorm', cfg.decoderUseBatchnorm);
  checkOneOf('upsampling', cfg.upsampling, UPSAMPLINGS);
  checkOneOf('headKernelSize', cfg.headKernelSize, [1, 3]);
}

export function buildUnetModel(cfg: UnetModelConfig, inputSize: SpatialSize = [null, null]): tf.LayersModel {
  checkUnetFamily(cfg);
  const encoder = encoderOf(cfg, 32);
  const depth = encoder.strides.length - 1;
  const channels = decoderChannelsOf(cfg.decoderChannels, depth);
  const norm = (cfg.decoderUseBatchnorm ?? true) ? decoderNorm(cfg) : null;
  return assemble({
    name: `unet-${cfg.encoderName}`,
    inputSize,
    inChannels: cfg.inChannels,
    encoder,
    body: (features) => {
      const x = unetDecoder(features, encoder, channels, {upsampling: cfg.upsampling ?? 'nearest', norm});
      return [segmentationHead(x, cfg.classes, cfg.headKernelSize ?? 3, 1, 'segmentation_head')];
    },
  });
}
