/**
 * The training objective of a model with several outputs: every mask output (the main head first, then the
 * deep-supervision heads) gets the configured loss (`train.loss`) with its weight (`train.deepSupervisionWeights`),
 * and the U-Net 3+ presence head gets BCE on image-level labels derived from the batch's masks, weighted by
 * `train.cgmLossWeight`. Validation and prediction use the main output only (the first).
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../config/load';
import { combinedLoss, deepSupervisionLoss, LossExtras, LossTerm, presenceLoss } from '../losses';
import { describeOutputs, ModelConfig, OutputSpec, presenceTargets } from '../models/registry';
import { UserFacingError } from './errors';

/** All model outputs (model order) and the labels [N,H,W] -> one scalar. */
export type Objective = (outputs: readonly tf.Tensor[], labels: tf.Tensor, extras?: LossExtras) => tf.Scalar;

export type CgmMode = 'none' | 'binary' | 'multiclass';

/** `model.cgm` -> the module's mode: true is the paper's binary CGM for 2 classes, per-class gating for more. */
export function cgmModeOf(cgm: boolean | 'binary' | 'multiclass', classes: number): CgmMode {
  if (cgm === false) return 'none';
  if (cgm === true) return classes <= 2 ? 'binary' : 'multiclass';
  return cgm;
}

/** Registry fields for the extra heads (`deepSupervision`, `cgm`) of the configured architecture. */
export function headOptions(cfg: ResolvedConfig, classes: number): { deepSupervision?: boolean; cgm?: CgmMode } {
  const m = cfg.model;
  if (!m.encoderName) return {};
  const out: { deepSupervision?: boolean; cgm?: CgmMode } = {};
  if ((m.arch === 'unetplusplus' || m.arch === 'unet3plus') && m.deepSupervision) out.deepSupervision = true;
  if (m.arch === 'unet3plus' && m.cgm !== false) out.cgm = cgmModeOf(m.cgm, classes);
  return out;
}

/** Default weights of the mask outputs: U-Net++ averages its heads (1/K each), U-Net 3+ sums them (1 each). */
export function defaultMaskWeights(arch: string, count: number): number[] {
  return new Array<number>(count).fill(arch === 'unetplusplus' && count > 1 ? 1 / count : 1);
}

export interface ObjectiveOptions {
  readonly terms: readonly LossTerm[];
  /** The model's outputs (registry `describeOutputs`), main first. */
  readonly outputs: readonly OutputSpec[];
  /** One weight per mask output, main first. */
  readonly maskWeights: readonly number[];
  /** The presence head's loss, when the model has one. */
  readonly presence?: { readonly mode: 'binary' | 'multiclass'; readonly weight: number; readonly classes: number; readonly ignoreIndex: number };
}

/** Builds the objective; throws when the weights do not match the outputs. */
export function buildObjective(o: ObjectiveOptions): Objective {
  const masks = o.outputs.flatMap((s, i) => (s.kind === 'mask' ? [i] : []));
  const presenceAt = o.outputs.findIndex((s) => s.kind === 'presence');
  if (masks[0] !== 0) throw new Error('buildObjective: the first output must be the main mask');
  if (o.maskWeights.length !== masks.length) {
    throw new UserFacingError(
      `\`train.deepSupervisionWeights\` has ${o.maskWeights.length} weights but the model has ${masks.length} mask outputs ` +
        `(${o.outputs.filter((s) => s.kind === 'mask').map((s) => s.layer).join(', ')}); give one weight per output, main first`,
    );
  }
  if (presenceAt >= 0 && !o.presence) throw new Error('buildObjective: the model has a presence head but no presence loss was configured');
  const single = combinedLoss(o.terms);
  const deep = masks.length > 1 ? deepSupervisionLoss(single, o.maskWeights) : null;
  const w0 = o.maskWeights[0];
  return (outputs, labels, extras = {}) => {
    // A model with outputs the config does not describe (a user module with extra heads) is judged on its first.
    if (outputs.length < o.outputs.length || (outputs.length > o.outputs.length && o.outputs.length > 1)) {
      throw new Error(`the model returned ${outputs.length} outputs, the objective expects ${o.outputs.length}`);
    }
    return tf.tidy(() => {
      let loss: tf.Scalar = deep
        ? deep(masks.map((i) => outputs[i]), labels, extras)
        : w0 === 1
          ? single(outputs[0], labels, extras)
          : (tf.mul(single(outputs[0], labels, extras), w0) as tf.Scalar);
      if (presenceAt >= 0 && o.presence) {
        const p = o.presence;
        const targets = presenceTargets(labels as tf.Tensor3D, p.classes, p.mode, p.ignoreIndex);
        loss = tf.add(loss, tf.mul(presenceLoss(outputs[presenceAt], targets, p.mode), p.weight)) as tf.Scalar;
      }
      return loss;
    });
  };
}

/** The objective of a run: its loss terms on every mask output with the configured weights, plus the CGM loss. */
export function objectiveOf(cfg: ResolvedConfig, model: ModelConfig, terms: readonly LossTerm[], ignoreIndex: number): Objective {
  const outputs = describeOutputs(model);
  const maskCount = outputs.filter((s) => s.kind === 'mask').length;
  const maskWeights = cfg.train.deepSupervisionWeights ?? defaultMaskWeights(cfg.model.arch, maskCount);
  const mode = 'cgm' in model ? (model.cgm ?? 'none') : 'none';
  return buildObjective({
    terms,
    outputs,
    maskWeights,
    presence: mode === 'none' ? undefined : { mode, weight: cfg.train.cgmLossWeight, classes: model.classes, ignoreIndex },
  });
}
