/**
 * Model registry: plain data, one line per architecture. `createModel` copies nothing into the registry and
 * never mutates it.
 */
import * as tf from '@tensorflow/tfjs';
import {InputSize, UnetConfig, buildUnet} from './unet/model';

export {paramCount, ParamCount} from './base/paramCount';
export {CenterCrop2D} from './base/centerCrop';
export type {InputSize, UnetConfig} from './unet/model';

/** Every model config (a union once more architectures exist). */
export type ModelConfig = UnetConfig;

export interface ModelEntry<C extends ModelConfig> {
  /** Builds the model for a spatial input size ([null, null] = any size, where the architecture allows it). */
  readonly build: (cfg: C, inputSize: InputSize) => tf.LayersModel;
}

export const MODELS: Readonly<{unet: ModelEntry<UnetConfig>}> = Object.freeze({
  unet: Object.freeze({build: buildUnet}),
});

/** Names accepted in `model.arch`. */
export const MODEL_ARCHS = Object.freeze(Object.keys(MODELS)) as readonly (keyof typeof MODELS)[];

/** Builds the model named by `cfg.arch`; unknown names get an error listing the valid ones. */
export function createModel(cfg: ModelConfig, inputSize: InputSize = [null, null]): tf.LayersModel {
  const arch: unknown = (cfg as {arch?: unknown}).arch;
  if (typeof arch !== 'string' || !Object.prototype.hasOwnProperty.call(MODELS, arch)) {
    throw new Error(`model.arch ${JSON.stringify(arch)} is unknown; valid: ${MODEL_ARCHS.join(', ')}`);
  }
  return MODELS[arch as keyof typeof MODELS].build(cfg, inputSize);
}
