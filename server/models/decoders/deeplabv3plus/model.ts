/**
 * DeepLabV3+ (Chen et al. 2018) over any encoder, smp's layout: separable ASPP + separable 3x3 conv on the deepest
 * level, upsampled to stride 4 and concatenated with the stride-4 level projected to 48 channels (1x1 conv + BN +
 * ReLU), fused by a separable 3x3 conv + BN + ReLU, 1x1 head, x4 bilinear upsampling. Defaults as smp: output
 * stride 16, 256 channels, separable ASPP, dropout 0.5; rates from the paper (6/12/18 at OS 16).
 *
 * smp upsamples with align_corners=True; we use half-pixel bilinear (see base/resize.ts). Separable convs are
 * depthwise: on WASM they train with the kernels of server/backend/depthwiseGrads.ts.
 */
import * as tf from '@tensorflow/tfjs';
import {SpatialSize} from '../../base/inputSize';
import {activation, batchNorm, concat, convBnAct, resize} from '../../base/layers';
import {assemble, segmentationHead} from '../../base/segmentationModel';
import {DeepLabConfigFields, asppOptionsOf, deepLabEncoder} from '../deeplabv3/model';
import {aspp, separableConv, separableConvBnRelu} from '../deeplabv3/aspp';

export interface DeepLabV3PlusConfig extends DeepLabConfigFields {
  readonly arch: 'deeplabv3plus';
  /** Channels of the low-level projection (the paper's 48). */
  readonly decoderLowLevelChannels?: number;
}

/** The pyramid level used as DeepLabV3+'s low-level feature (stride 4). */
export const LOW_LEVEL = 2;

export function buildDeepLabV3PlusModel(cfg: DeepLabV3PlusConfig, inputSize: SpatialSize = [null, null]): tf.LayersModel {
  const encoder = deepLabEncoder(cfg, 16);
  const o = asppOptionsOf(cfg, encoder, true);
  const low = cfg.decoderLowLevelChannels ?? 48;
  if (!(Number.isInteger(low) && low >= 1 && low <= 1024)) {
    throw new Error(`model.decoderLowLevelChannels must be an integer from 1 to 1024; got ${JSON.stringify(cfg.decoderLowLevelChannels)}`);
  }
  return assemble({
    name: `deeplabv3plus-${cfg.encoderName}`,
    inputSize,
    inChannels: cfg.inChannels,
    encoder,
    body: (features) => {
      const depth = features.length - 1;
      let x = aspp(features[depth], o);
      x = activation(batchNorm(separableConv(x, 'decoder_aspp_sep', o.channels, 1), 'decoder_aspp_sep_bn', o.norm), 'relu', 'decoder_aspp_sep_relu');
      x = resize(x, encoder.strides[depth] / encoder.strides[LOW_LEVEL], 'bilinear', 'decoder_up');
      const highRes = convBnAct(features[LOW_LEVEL], {name: 'decoder_block1', filters: low, kernel: 1}, o.norm);
      x = separableConvBnRelu(concat([x, highRes], 'decoder_concat'), 'decoder_block2', o.channels, 1, o.norm);
      return [segmentationHead(x, cfg.classes, 1, encoder.strides[LOW_LEVEL], 'segmentation_head')];
    },
  });
}
