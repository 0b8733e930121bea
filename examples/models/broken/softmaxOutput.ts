// Broken on purpose (server/sanity tests): a softmax on the output. SegLab's losses take logits and apply softmax
// themselves, so this one is applied twice. Fix: remove the activation layer.
import * as tf from '@tensorflow/tfjs';
import type { ModelContext } from '../../../server/sanity/context';

export function build(ctx: ModelContext): tf.LayersModel {
  const input = tf.input({ shape: ctx.inputShape });
  const opts = { padding: 'same' as const, useBatchnorm: true, batchNormMomentum: 0.9 };
  const features = ctx.blocks.doubleConv(input, 4, opts, 'stem');
  const logits = ctx.blocks.segmentationHead(features, ctx.classes, 'head');
  const probabilities = tf.layers.activation({ activation: 'softmax', name: 'probs' }).apply(logits) as tf.SymbolicTensor; // <- expected
  return tf.model({ inputs: input, outputs: probabilities });
}
