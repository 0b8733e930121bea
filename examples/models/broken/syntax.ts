// Broken on purpose (server/sanity tests): a syntax error. The sanity check reports it at the `;` below.
import * as tf from '@tensorflow/tfjs';
import type { ModelContext } from '../../../server/sanity/context';

export function build(ctx: ModelContext): tf.LayersModel {
  const input = tf.input({ shape: ctx.inputShape });
  const features = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
  const logits = ; // <- expected: the expression is missing
  return tf.model({ inputs: input, outputs: logits ?? features });
}
