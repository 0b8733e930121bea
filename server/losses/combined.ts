/** Weighted sums of loss terms, built once from the config and applied per batch. */
import * as tf from '@tensorflow/tfjs';
import {CrossEntropyOptions, crossEntropy} from './crossEntropy';
import {DiceOptions, diceLoss} from './dice';

export type LossTerm =
  | ({readonly type: 'ce'; readonly weight: number} & CrossEntropyOptions)
  | ({readonly type: 'dice'; readonly weight: number} & DiceOptions);

export type LossFn = (logits: tf.Tensor, labels: tf.Tensor) => tf.Scalar;

const TYPES = ['ce', 'dice'];

function checkTerm(term: LossTerm, i: number): void {
  if (!TYPES.includes((term as {type: unknown}).type as string)) {
    throw new Error(`loss[${i}].type ${JSON.stringify(term.type)} is unknown; valid: ${TYPES.join(', ')}`);
  }
  if (typeof term.weight !== 'number' || !Number.isFinite(term.weight) || term.weight < 0) {
    throw new Error(`loss[${i}].weight must be a finite number >= 0; got ${JSON.stringify(term.weight)}`);
  }
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
  const copies = terms.map((t) => ({...t}));
  return (logits, labels) =>
    tf.tidy(() => {
      let total: tf.Scalar = tf.scalar(0);
      for (const term of copies) {
        const value = term.type === 'ce' ? crossEntropy(logits, labels, term) : diceLoss(logits, labels, term);
        total = tf.add(total, tf.mul(value, term.weight));
      }
      return total;
    });
}
