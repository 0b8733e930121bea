// Broken on purpose (server/sanity tests): build(ctx) throws, in a helper file it imports (lib/shapes.ts); the
// diagnostic is at the throw in that file.
import * as tf from '@tensorflow/tfjs';
import type { ModelContext } from '../../../server/sanity/context';
import { requireMultipleOf } from './lib/shapes';

export function build(ctx: ModelContext): tf.LayersModel {
  requireMultipleOf(ctx.inputShape, 48);
  const input = tf.input({ shape: ctx.inputShape });
  const logits = tf.layers.conv2d({ filters: ctx.classes, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}
