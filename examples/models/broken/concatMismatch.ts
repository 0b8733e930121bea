// Broken on purpose (server/sanity tests): the U-Net paper's unpadded ('valid') convolutions without the crop.
// Each 3x3 conv loses 2 px: at 64x64 the skip feature is 60x60 but the upsampled map only 52x52, so the
// Concatenate cannot join them. Fix: centre-crop the skip (ctx.layers.CenterCrop2D) or use padding 'same'.
import * as tf from '@tensorflow/tfjs';
import type { ModelContext } from '../../../server/sanity/context';

function convs(x: tf.SymbolicTensor, filters: number, name: string): tf.SymbolicTensor {
  x = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'valid', activation: 'relu', name: `${name}_a` }).apply(x) as tf.SymbolicTensor;
  return tf.layers.conv2d({ filters, kernelSize: 3, padding: 'valid', activation: 'relu', name: `${name}_b` }).apply(x) as tf.SymbolicTensor;
}

export function build(ctx: ModelContext): tf.LayersModel {
  const input = tf.input({ shape: ctx.inputShape });
  const skip = convs(input, 4, 'enc1');
  const down = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(skip) as tf.SymbolicTensor;
  const bottom = convs(down, 8, 'bottom');
  const up = tf.layers.conv2dTranspose({ filters: 4, kernelSize: 2, strides: 2, name: 'up1' }).apply(bottom) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate({ name: 'cat1' }).apply([skip, up]) as tf.SymbolicTensor; // <- expected
  const x = convs(joined, 4, 'dec1');
  const logits = tf.layers.conv2d({ filters: ctx.classes, kernelSize: 1, name: 'logits' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}
