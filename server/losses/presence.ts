/**
 * The loss of the U-Net 3+ classification-guided module (CGM): binary cross-entropy between the presence logits
 * [N, K] and image-level labels derived from the masks (`presenceTargets` in models/decoders/unet3plus/cgm.ts).
 *
 * - 'binary' (the paper's): K = 2 logits (absent, present) whose softmax is P(absent), P(present); the BCE of
 *   P(present) against "some foreground occurs" equals the softmax cross-entropy of the two logits against the
 *   one-hot target, which is what is computed: mean over images of -sum_k t_k log softmax(z)_k.
 * - 'multiclass': one sigmoid logit per class; mean over images and classes of
 *   max(z, 0) - z t + log(1 + exp(-|z|)) (the numerically stable form of -t log s(z) - (1 - t) log(1 - s(z))).
 */
import * as tf from '@tensorflow/tfjs';

export type PresenceMode = 'binary' | 'multiclass';

/** Presence BCE (see the module comment); `targets` are 0/1 floats of the logits' shape. */
export function presenceLoss(logits: tf.Tensor, targets: tf.Tensor, mode: PresenceMode): tf.Scalar {
  if (logits.rank !== 2 || targets.rank !== 2 || logits.shape.some((d, i) => d !== targets.shape[i])) {
    throw new Error(`presenceLoss: logits [${logits.shape}] and targets [${targets.shape}] must both be [N, K]`);
  }
  if (mode === 'binary' && logits.shape[1] !== 2) throw new Error(`presenceLoss: binary mode takes 2 logits (absent, present); got ${logits.shape[1]}`);
  if (mode !== 'binary' && mode !== 'multiclass') throw new Error(`presenceLoss: mode ${JSON.stringify(mode)} is unknown; valid: binary, multiclass`);
  return tf.tidy(() => {
    const t = tf.cast(targets, 'float32');
    if (mode === 'binary') return tf.mean(tf.neg(tf.sum(tf.mul(t, tf.logSoftmax(logits, -1)), -1))) as tf.Scalar;
    const z = logits;
    const perEntry = tf.add(tf.sub(tf.relu(z), tf.mul(z, t)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    return tf.mean(perEntry) as tf.Scalar;
  });
}
