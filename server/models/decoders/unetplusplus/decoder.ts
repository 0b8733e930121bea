/**
 * U-Net++ decoder (Zhou et al. 2018/2019): nested, dense skip pathways. Node X(i, j) (level i, column j >= 1)
 * upsamples X(i+1, j-1), concatenates it with X(i, 0..j-1) and applies a U-Net block; X(i, 0) are the encoder's
 * levels (X(0, 0) is absent when the encoder's level 0 is the raw input). Width of level i: decoderChannels[depth-1-i]
 * (Zhou's reference: 32, 64, 128, 256 for levels 0-3). Upsampling as in the U-Net decoder ('transpose' = Zhou's
 * 2x2 up-convolution to the node's width).
 *
 * Deep supervision heads sit on X(0, 1..depth). Pruning at level L keeps the nodes with i + j <= L and the encoder
 * levels 0..L: a sub-network with the same layer names, so trained weights load into it by name.
 * Names: `decoder_x_<i>_<j>_up`, `_concat`, `_conv1_conv`, ...
 */
import * as tf from '@tensorflow/tfjs';
import {concat} from '../../base/layers';
import {Encoder} from '../../encoders';
import {UnetBlockOptions, doubleConv, skipAt, upsampleBy} from '../unet/decoder';

/**
 * Builds the nodes up to column `levels` (= pruning level; the full network has levels = depth) and returns
 * X(0, 1..levels). `widths[i]` is the width of level i.
 */
export function unetPlusPlusDecoder(
  features: tf.SymbolicTensor[],
  encoder: Encoder,
  widths: readonly number[],
  levels: number,
  o: UnetBlockOptions,
): tf.SymbolicTensor[] {
  const grid: (tf.SymbolicTensor | null)[][] = [];
  for (let i = 0; i <= levels; i++) grid.push([skipAt(features, encoder, i)]);
  for (let j = 1; j <= levels; j++) {
    for (let i = 0; i + j <= levels; i++) {
      const name = `decoder_x_${i}_${j}`;
      const below = grid[i + 1][j - 1];
      if (below == null) throw new Error(`internal: missing node X(${i + 1}, ${j - 1})`);
      const up = upsampleBy(below, encoder.strides[i + 1] / encoder.strides[i], widths[i], o, `${name}_up`);
      const same = grid[i].filter((t): t is tf.SymbolicTensor => t != null);
      grid[i].push(doubleConv(concat([up, ...same], `${name}_concat`), widths[i], o.norm, name));
    }
  }
  return grid[0].slice(1) as tf.SymbolicTensor[];
}
