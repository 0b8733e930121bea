/** Parameter counts of a TF.js layers model. */
import * as tf from '@tensorflow/tfjs';

export interface ParamCount {
  /** Weights updated by the optimizer. */
  readonly trainable: number;
  /** Weights that are not trained by gradient (BatchNorm moving mean / variance). */
  readonly nonTrainable: number;
}

function sizeOf(weights: readonly tf.LayerVariable[]): number {
  return weights.reduce((sum, w) => sum + w.read().size, 0);
}

/** Counts trainable and non-trainable parameters of `model`. */
export function paramCount(model: tf.LayersModel): ParamCount {
  return {trainable: sizeOf(model.trainableWeights), nonTrainable: sizeOf(model.nonTrainableWeights)};
}
