// Broken on purpose (server/sanity tests): build(ctx) keeps allocating until the worker's heap cap
// (`sanity.memoryLimitMb`) is hit; the verdict says "ran out of memory" and the server lives on.
import * as tf from '@tensorflow/tfjs';
import type { ModelContext } from '../../../server/sanity/context';

export function build(ctx: ModelContext): tf.LayersModel {
  const hoard: number[][] = [];
  for (;;) hoard.push(new Array<number>(1 << 20).fill(ctx.classes + 0.5));
  const input = tf.input({ shape: ctx.inputShape });
  return tf.model({ inputs: input, outputs: input });
}
