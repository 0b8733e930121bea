// Broken on purpose (server/sanity tests): build(ctx) never returns. The sanity worker is stopped when the time
// budget (`sanity.timeBudgetSeconds`) runs out, and the verdict says "failed: exceeded N s".
import * as tf from '@tensorflow/tfjs';
import type { ModelContext } from '../../../server/sanity/context';

export function build(ctx: ModelContext): tf.LayersModel {
  let filters = 4;
  while (filters > 0) filters = (filters % 7) + 1; // never reaches 0
  const input = tf.input({ shape: ctx.inputShape });
  const logits = tf.layers.conv2d({ filters: ctx.classes, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}
