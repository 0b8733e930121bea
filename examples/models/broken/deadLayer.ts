// Broken on purpose (server/sanity tests): a side branch whose ReLU never fires (bias -100), so its conv gets no
// gradient and never trains. The sanity check warns at the conv's line.
import * as tf from '@tensorflow/tfjs';
import type { ModelContext } from '../../../server/sanity/context';

export function build(ctx: ModelContext): tf.LayersModel {
  const input = tf.input({ shape: ctx.inputShape });
  const main = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'main' }).apply(input) as tf.SymbolicTensor;
  const side = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', biasInitializer: tf.initializers.constant({ value: -100 }), name: 'side' }) // <- expected
    .apply(input) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate({ name: 'join' }).apply([main, side]) as tf.SymbolicTensor;
  const logits = tf.layers.conv2d({ filters: ctx.classes, kernelSize: 1, name: 'logits' }).apply(joined) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}
