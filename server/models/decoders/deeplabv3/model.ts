/**
 * DeepLabV3 (Chen et al. 2017) over any encoder, smp's layout: ASPP on the deepest level -> 3x3 conv + BN + ReLU
 * -> 1x1 head -> bilinear upsampling by the output stride. Defaults as smp: output stride 8, 256 channels,
 * plain (not separable) ASPP, dropout 0.5; atrous rates from the paper (`defaultAtrousRates`).
 */
import * as tf from '@tensorflow/tfjs';
import {SpatialSize} from '../../base/inputSize';
import {convBnAct} from '../../base/layers';
import {CommonModelConfig, assemble, checkBoolean, checkCommon, decoderNorm, encoderOf, fail, requiredStride, segmentationHead} from '../../base/segmentationModel';
import {Encoder, OutputStride} from '../../encoders';
import {AsppOptions, aspp, defaultAtrousRates} from './aspp';

export interface DeepLabConfigFields extends CommonModelConfig {
  /** Channels of ASPP and the decoder (smp: 256). */
  readonly decoderChannels?: number;
  readonly decoderAtrousRates?: readonly [number, number, number];
  readonly decoderAsppSeparable?: boolean;
  readonly decoderAsppDropout?: number;
}

export interface DeepLabV3Config extends DeepLabConfigFields {
  readonly arch: 'deeplabv3';
}

/** Validates the DeepLab fields and returns the ASPP options for `encoder`. */
export function asppOptionsOf(cfg: DeepLabConfigFields, encoder: Encoder, separableDefault: boolean): AsppOptions {
  checkCommon(cfg);
  const channels = cfg.decoderChannels ?? 256;
  if (!(Number.isInteger(channels) && channels >= 1 && channels <= 4096)) fail('decoderChannels', channels, 'an integer from 1 to 4096');
  const rates = cfg.decoderAtrousRates ?? defaultAtrousRates(requiredStride(encoder));
  if (!Array.isArray(rates) || rates.length !== 3 || !rates.every((r) => Number.isInteger(r) && r >= 1 && r <= 64)) {
    fail('decoderAtrousRates', cfg.decoderAtrousRates, 'three integers from 1 to 64 (the paper: [6, 12, 18] at output stride 16)');
  }
  checkBoolean('decoderAsppSeparable', cfg.decoderAsppSeparable);
  const dropout = cfg.decoderAsppDropout ?? 0.5;
  if (!(typeof dropout === 'number' && dropout >= 0 && dropout < 1)) fail('decoderAsppDropout', dropout, 'a number in [0, 1)');
  return {channels, rates: rates as [number, number, number], separable: cfg.decoderAsppSeparable ?? separableDefault, dropout, norm: decoderNorm(cfg)};
}

/** The encoder of a DeepLab config (output stride 8 or 16; `defaultStride` when unset). */
export function deepLabEncoder(cfg: DeepLabConfigFields, defaultStride: OutputStride): Encoder {
  const os = cfg.encoderOutputStride;
  if (os !== undefined && os !== 8 && os !== 16) fail('encoderOutputStride', os, '8 or 16 for DeepLab (dilated encoders)');
  return encoderOf(cfg, defaultStride);
}

export function buildDeepLabV3Model(cfg: DeepLabV3Config, inputSize: SpatialSize = [null, null]): tf.LayersModel {
  const encoder = deepLabEncoder(cfg, 8);
  const o = asppOptionsOf(cfg, encoder, false);
  return assemble({
    name: `deeplabv3-${cfg.encoderName}`,
    inputSize,
    inChannels: cfg.inChannels,
    encoder,
    body: (features) => {
      const x = convBnAct(aspp(features[features.length - 1], o), {name: 'decoder', filters: o.channels, kernel: 3}, o.norm);
      return [segmentationHead(x, cfg.classes, 1, requiredStride(encoder), 'segmentation_head')];
    },
  });
}
