// Broken on purpose (server/sanity tests): a kernel initialised to 1e38 overflows float32, so the loss is NaN.
// The sanity check points at the first layer whose output is not finite.
import * as tf from '@tensorflow/tfjs';
import type { ModelContext } from '../../../server/sanity/context';

export function build(ctx: ModelContext): tf.LayersModel {
  const input = tf.input({ shape: ctx.inputShape });
  const stem = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'stem' }).apply(input) as tf.SymbolicTensor;
  const huge = tf.initializers.constant({ value: 1e38 });
  const blown = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: huge, name: 'blown' }).apply(stem) as tf.SymbolicTensor; // <- expected
  const logits = tf.layers.conv2d({ filters: ctx.classes, kernelSize: 1, name: 'logits' }).apply(blown) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}
