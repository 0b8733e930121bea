/** Weighted sums of loss terms, built once from the config and applied per batch. */
import * as tf from '@tensorflow/tfjs';
import {CrossEntropyOptions, crossEntropy} from './crossEntropy';
import {DiceOptions, diceLoss} from './dice';
import {FocalOptions, focalLoss} from './focal';
import {Unet3PlusLossOptions, unet3PlusLoss} from './hybrid';
import {LovaszOptions, lovaszSoftmaxLoss} from './lovasz';
import {MsSsimOptions, msSsimLoss} from './msssim';
import {SoftIoUOptions, softIoULoss} from './softIoU';
import {WeightedCrossEntropyOptions, weightedCrossEntropy} from './weightedCrossEntropy';

type Term<T extends string, O> = {readonly type: T; readonly weight: number} & O;

export type LossTerm =
  | Term<'ce', CrossEntropyOptions>
  | Term<'weightedCe', WeightedCrossEntropyOptions>
  | Term<'dice', DiceOptions>
  | Term<'focal', FocalOptions>
  | Term<'iou', SoftIoUOptions>
  | Term<'lovasz', LovaszOptions>
  | Term<'msssim', MsSsimOptions>
  | Term<'unet3plus', Unet3PlusLossOptions>;

/** Per-batch inputs some terms need besides logits and labels. */
export interface LossExtras {
  /** Per-pixel weights [N,H,W] float32 (the U-Net weight maps of the batch), for 'weightedCe'. */
  readonly pixelWeights?: tf.Tensor;
}

export type LossFn = (logits: tf.Tensor, labels: tf.Tensor, extras?: LossExtras) => tf.Scalar;

type Apply = (term: LossTerm, logits: tf.Tensor, labels: tf.Tensor, extras: LossExtras) => tf.Scalar;

function pixelWeightsOf(extras: LossExtras): tf.Tensor {
  if (!extras.pixelWeights) {
    throw new Error("loss term 'weightedCe' needs per-pixel weights (the U-Net weight maps); none were given with this batch");
  }
  return extras.pixelWeights;
}

const APPLY: Readonly<Record<LossTerm['type'], Apply>> = {
  ce: (t, x, y) => crossEntropy(x, y, t as CrossEntropyOptions),
  weightedCe: (t, x, y, e) => weightedCrossEntropy(x, y, pixelWeightsOf(e), t as WeightedCrossEntropyOptions),
  dice: (t, x, y) => diceLoss(x, y, t as DiceOptions),
  focal: (t, x, y) => focalLoss(x, y, t as FocalOptions),
  iou: (t, x, y) => softIoULoss(x, y, t as SoftIoUOptions),
  lovasz: (t, x, y) => lovaszSoftmaxLoss(x, y, t as LovaszOptions),
  msssim: (t, x, y) => msSsimLoss(x, y, t as MsSsimOptions),
  unet3plus: (t, x, y) => unet3PlusLoss(x, y, t as Unet3PlusLossOptions),
};

/** The term types combinedLoss knows. */
export const LOSS_TYPES = Object.keys(APPLY) as LossTerm['type'][];

function checkTerm(term: LossTerm, i: number): void {
  if (!Object.hasOwn(APPLY, (term as {type: unknown}).type as string)) {
    throw new Error(`loss[${i}].type ${JSON.stringify(term.type)} is unknown; valid: ${LOSS_TYPES.join(', ')}`);
  }
  if (typeof term.weight !== 'number' || !Number.isFinite(term.weight) || term.weight < 0) {
    throw new Error(`loss[${i}].weight must be a finite number >= 0; got ${JSON.stringify(term.weight)}`);
  }
}

/** Whether any term needs `extras.pixelWeights` (the trainer then computes and caches weight maps). */
export function needsPixelWeights(terms: readonly LossTerm[]): boolean {
  return terms.some((t) => t.type === 'weightedCe');
}

/**
 * `sum_i weight_i * term_i(logits, labels)`, e.g. `[{type: 'ce', weight: 1}, {type: 'dice', weight: 1}]`.
 * Terms are validated here, so a bad config fails before training starts.
 */
export function combinedLoss(terms: readonly LossTerm[]): LossFn {
  if (!Array.isArray(terms) || terms.length === 0) {
    throw new Error("loss must list at least one term, e.g. [{type: 'ce', weight: 1}]");
  }
  terms.forEach(checkTerm);
  const copies: LossTerm[] = terms.map((t) => ({...t}) as LossTerm);
  return (logits, labels, extras = {}) =>
    tf.tidy(() => {
      let total: tf.Scalar = tf.scalar(0);
      for (const term of copies) {
        total = tf.add(total, tf.mul(APPLY[term.type](term, logits, labels, extras), term.weight));
      }
      return total;
    });
}
