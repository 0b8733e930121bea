/**
 * U-Net++ over any encoder. Outputs: without deep supervision one head on X(0, depth); with it, heads on every
 * X(0, j): main output X(0, depth) (`segmentation_head`) first, then X(0, 1), ..., X(0, depth-1)
 * (`segmentation_head_<j>`), all logits at input resolution. `pruneLevel` L < depth builds the paper's pruned
 * network UNet++ L^L: encoder levels 0..L, nodes with i + j <= L, one output from X(0, L) (head
 * `segmentation_head_<L>`), loading by name from a model trained with deep supervision (`pruneUnetPlusPlus`).
 *
 * Zhou et al.'s reference layout: encoderName 'plain' with {baseFilters: 32, batchNorm: false}, encoderDepth 4,
 * decoderChannels [256, 128, 64, 32], upsampling 'transpose', decoderUseBatchnorm false, headKernelSize 1.
 */
import * as tf from '@tensorflow/tfjs';
import {SpatialSize} from '../../base/inputSize';
import {DEFAULT_ENCODER_DEPTH, assemble, decoderNorm, encoderOf, fail, segmentationHead} from '../../base/segmentationModel';
import {UnetModelConfig, checkUnetFamily, decoderChannelsOf} from '../unet/model';
import {unetPlusPlusDecoder} from './decoder';

export interface UnetPlusPlusConfig extends Omit<UnetModelConfig, 'arch'> {
  readonly arch: 'unetplusplus';
  /** Heads on every X(0, j) (the paper's deep supervision). */
  readonly deepSupervision?: boolean;
  /** Build the pruned network at this level (1..encoderDepth; default: encoderDepth = unpruned). */
  readonly pruneLevel?: number;
}

export function buildUnetPlusPlusModel(cfg: UnetPlusPlusConfig, inputSize: SpatialSize = [null, null]): tf.LayersModel {
  checkUnetFamily(cfg);
  if (cfg.deepSupervision !== undefined && typeof cfg.deepSupervision !== 'boolean') fail('deepSupervision', cfg.deepSupervision, 'true or false');
  const fullEncoder = encoderOf(cfg, 32);
  const depth = fullEncoder.strides.length - 1;
  const level = cfg.pruneLevel ?? depth;
  if (!Number.isInteger(level) || level < 1 || level > depth) fail('pruneLevel', cfg.pruneLevel, `an integer from 1 to encoderDepth (${depth})`);
  const widths = [...decoderChannelsOf(cfg.decoderChannels, depth)].reverse();
  const encoder = level === depth ? fullEncoder : encoderOf(cfg, 32, level);
  const norm = (cfg.decoderUseBatchnorm ?? true) ? decoderNorm(cfg) : null;
  const kernel = cfg.headKernelSize ?? 3;
  const headName = (j: number): string => (j === depth ? 'segmentation_head' : `segmentation_head_${j}`);
  return assemble({
    name: level === depth ? `unetplusplus-${cfg.encoderName}` : `unetplusplus-L${level}-${cfg.encoderName}`,
    inputSize,
    inChannels: cfg.inChannels,
    encoder,
    body: (features) => {
      const top = unetPlusPlusDecoder(features, encoder, widths, level, {upsampling: cfg.upsampling ?? 'nearest', norm});
      const head = (j: number): tf.SymbolicTensor => segmentationHead(top[j - 1], cfg.classes, kernel, 1, headName(j));
      if (level < depth || !cfg.deepSupervision) return [head(level)];
      return [head(depth), ...Array.from({length: depth - 1}, (_, k) => head(k + 1))];
    },
  });
}

/**
 * The pruned network UNet++ L^level with the weights of `trained` (a full model built from `cfg`, trained with
 * deep supervision), copied by layer name.
 */
export function pruneUnetPlusPlus(trained: tf.LayersModel, cfg: UnetPlusPlusConfig, level: number, inputSize: SpatialSize = [null, null]): tf.LayersModel {
  if (!cfg.deepSupervision && level < (cfg.encoderDepth ?? DEFAULT_ENCODER_DEPTH)) {
    throw new Error(`pruning U-Net++ at level ${level} needs a model trained with model.deepSupervision: true (its head on X(0, ${level}) is untrained otherwise)`);
  }
  const pruned = buildUnetPlusPlusModel({...cfg, pruneLevel: level}, inputSize);
  for (const layer of pruned.layers) {
    if (layer.weights.length === 0) continue;
    const source = trained.layers.find((l) => l.name === layer.name);
    if (!source) {
      pruned.dispose();
      throw new Error(`pruneUnetPlusPlus: layer ${layer.name} is not in the trained model`);
    }
    layer.setWeights(source.getWeights());
  }
  return pruned;
}
