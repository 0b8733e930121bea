// Broken on purpose (server/sanity tests): user code that ends its process. Only the sanity worker dies; the
// verdict says "crashed" and a fresh worker takes over.
import * as tf from '@tensorflow/tfjs';
import type { ModelContext } from '../../../server/sanity/context';

export function build(ctx: ModelContext): tf.LayersModel {
  process.exit(3);
  const input = tf.input({ shape: ctx.inputShape });
  return tf.model({ inputs: input, outputs: input, name: `never_${ctx.classes}` });
}
