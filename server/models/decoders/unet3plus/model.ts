/**
 * U-Net 3+ over any encoder. Head: 3x3 conv on the shallowest decoder stage (the official `outconv1`), upsampled
 * bilinearly to the input when that stage is at stride 2 (ResNet-style encoders).
 *
 * Outputs, main first: the main mask logits; with `deepSupervision`, one 3x3 head per deeper decoder stage and on
 * the deepest encoder level (`segmentation_head_<level>`, shallow to deep, bilinearly upsampled to the input); with
 * `cgm` 'binary' or 'multiclass', the presence logits [N, K] last, and every mask output gated by them (cgm.ts).
 *
 * The paper's configuration: encoderName 'plain' with {baseFilters: 64, batchNorm: true, convBias: true},
 * encoderDepth 4, inChannels 3, classes 1, decoderCatChannels 64.
 */
import * as tf from '@tensorflow/tfjs';
import {SpatialSize} from '../../base/inputSize';
import {apply} from '../../base/layers';
import {CommonModelConfig, assemble, checkBoolean, checkCommon, checkOneOf, decoderNorm, encoderOf, fail, segmentationHead} from '../../base/segmentationModel';
import {CGM_MODES, CgmMode, PresenceGate, cgmHead} from './cgm';
import {firstScale, unet3PlusDecoder} from './decoder';

export interface Unet3PlusConfig extends CommonModelConfig {
  readonly arch: 'unet3plus';
  /** Channels of every full-scale skip (the paper's 64). */
  readonly decoderCatChannels?: number;
  readonly decoderUseBatchnorm?: boolean;
  readonly deepSupervision?: boolean;
  /** Classification-guided module: 'none' (default), 'binary' (the paper's) or 'multiclass'. */
  readonly cgm?: CgmMode;
  /** Dropout before the CGM classifier (the paper's 0.5). */
  readonly cgmDropout?: number;
  readonly headKernelSize?: 1 | 3;
}

function check(cfg: Unet3PlusConfig): void {
  checkCommon(cfg);
  checkBoolean('decoderUseBatchnorm', cfg.decoderUseBatchnorm);
  checkBoolean('deepSupervision', cfg.deepSupervision);
  checkOneOf('cgm', cfg.cgm, CGM_MODES);
  checkOneOf('headKernelSize', cfg.headKernelSize, [1, 3]);
  const c = cfg.decoderCatChannels;
  if (c !== undefined && !(Number.isInteger(c) && c >= 1 && c <= 1024)) fail('decoderCatChannels', c, 'an integer from 1 to 1024');
  const d = cfg.cgmDropout;
  if (d !== undefined && !(typeof d === 'number' && d >= 0 && d < 1)) fail('cgmDropout', d, 'a number in [0, 1)');
}

export function buildUnet3PlusModel(cfg: Unet3PlusConfig, inputSize: SpatialSize = [null, null]): tf.LayersModel {
  check(cfg);
  const encoder = encoderOf(cfg, 32);
  const depth = encoder.strides.length - 1;
  const s0 = firstScale(encoder);
  const norm = (cfg.decoderUseBatchnorm ?? true) ? decoderNorm(cfg) : null;
  const kernel = cfg.headKernelSize ?? 3;
  const cgm = cfg.cgm ?? 'none';
  return assemble({
    name: `unet3plus-${cfg.encoderName}`,
    inputSize,
    inChannels: cfg.inChannels,
    encoder,
    body: (features) => {
      const stages = unet3PlusDecoder(features, encoder, {catChannels: cfg.decoderCatChannels ?? 64, norm});
      const head = (level: number, name: string): tf.SymbolicTensor =>
        segmentationHead(stages[level], cfg.classes, kernel, encoder.strides[level], name);
      const masks = [head(s0, 'segmentation_head')];
      if (cfg.deepSupervision) {
        for (let level = s0 + 1; level <= depth; level++) masks.push(head(level, `segmentation_head_${level}`));
      }
      if (cgm === 'none') return masks;
      const presence = cgmHead(features[depth], cgm, cfg.classes, cfg.cgmDropout ?? 0.5);
      const gated = masks.map((m, i) => apply(new PresenceGate({mode: cgm, name: `cgm_gate_${i}`}), [m, presence]));
      return [...gated, presence];
    },
  });
}
