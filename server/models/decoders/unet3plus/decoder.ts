/**
 * U-Net 3+ decoder (Huang et al. 2020, official code ZJUGiveLab/UNet-Version): full-scale skip connections. Decoder
 * stage i takes every encoder level k <= i (max-pooled by the stride ratio), every deeper decoder stage and the
 * deepest encoder level (bilinearly upsampled), maps each by a 3x3 conv(+bias)+BN+ReLU to `catChannels` (64), and
 * fuses their concatenation (catChannels x scales = 320 for 5 scales) with one more 3x3 conv+BN+ReLU.
 *
 * Scales: encoder levels 0..depth, or 1..depth when level 0 is the raw input (ResNet-style encoders); then the
 * shallowest decoder stage is at stride 2 and the heads upsample by 2. Names: `decoder_h<k>_to_<i>_conv/_bn/_relu`
 * (k = source level, decoder stages above i included), `decoder_fuse<i>_conv/_bn/_relu`.
 */
import * as tf from '@tensorflow/tfjs';
import {NormOptions, concat, convBnAct, maxPool, resize} from '../../base/layers';
import {Encoder} from '../../encoders';

export interface Unet3PlusDecoderOptions {
  readonly catChannels: number;
  /** null = no BatchNorm. The official code keeps conv biases with BN. */
  readonly norm: NormOptions | null;
}

/** The first encoder level used as a scale. */
export function firstScale(encoder: Encoder): number {
  return encoder.firstFeatureIsInput ? 1 : 0;
}

/**
 * Returns the decoder stages by level: stages[i] for i = firstScale..depth-1, and stages[depth] = the deepest
 * encoder level (the paper's X_De^5 = X_En^5).
 */
export function unet3PlusDecoder(features: tf.SymbolicTensor[], encoder: Encoder, o: Unet3PlusDecoderOptions): tf.SymbolicTensor[] {
  const depth = features.length - 1;
  const s0 = firstScale(encoder);
  const stages: tf.SymbolicTensor[] = [];
  stages[depth] = features[depth];
  const scales = depth - s0 + 1;
  for (let i = depth - 1; i >= s0; i--) {
    const parts: tf.SymbolicTensor[] = [];
    for (let k = s0; k <= depth; k++) {
      const name = `decoder_h${k}_to_${i}`;
      const ratio = encoder.strides[k] / encoder.strides[i];
      let x: tf.SymbolicTensor;
      if (k <= i) {
        const down = encoder.strides[i] / encoder.strides[k];
        x = down === 1 ? features[k] : maxPool(features[k], down, `${name}_pool`);
      } else {
        x = resize(stages[k], ratio, 'bilinear', `${name}_up`);
      }
      parts.push(convBnAct(x, {name, filters: o.catChannels, kernel: 3, bias: true}, o.norm));
    }
    const fused = concat(parts, `decoder_fuse${i}_concat`);
    stages[i] = convBnAct(fused, {name: `decoder_fuse${i}`, filters: o.catChannels * scales, kernel: 3, bias: true}, o.norm);
  }
  return stages;
}
