// Broken on purpose (server/sanity tests): the head has a hard-coded 3 outputs, but the data has ctx.classes
// classes (2 for the synthetic cells). Fix: `filters: ctx.classes`.
import * as tf from '@tensorflow/tfjs';
import type { ModelContext } from '../../../server/sanity/context';

export function build(ctx: ModelContext): tf.LayersModel {
  const input = tf.input({ shape: ctx.inputShape });
  const opts = { padding: 'same' as const, useBatchnorm: true, batchNormMomentum: 0.9 };
  const features = ctx.blocks.doubleConv(input, 4, opts, 'stem');
  const logits = tf.layers.conv2d({ filters: 3, kernelSize: 1, name: 'head' }).apply(features) as tf.SymbolicTensor; // <- expected
  return tf.model({ inputs: input, outputs: logits });
}
