/**
 * A small U-Net written by hand: an example of a SegLab model module.
 *
 * The contract. Name this file in seglab.json:
 *
 *   { "model": { "module": "models/unet.ts" } }      // TS or JS, relative to seglab.json
 *
 * and export `build(ctx)`, which returns a tf.LayersModel:
 *   - input: `tf.input({ shape: ctx.inputShape })`, NHWC. `ctx.inputShape` is [H, W, C]: the sanity size
 *     (default 64x64) in a sanity run, [null, null, C] in training (whole images are validated), so build
 *     fully-convolutional models that work for any multiple of their stride.
 *   - output: logits [N, H, W, ctx.classes] at the input resolution, with NO softmax or sigmoid: SegLab's losses
 *     take logits (a final softmax is reported as an error at its line).
 *   - synchronous: return the model, not a Promise.
 *   - `import * as tf from '@tensorflow/tfjs'` gives the server's own TensorFlow.js (the same object as `ctx.tf`).
 *     Local imports (./blocks.ts) are bundled; everything runs in a sanity worker process with a time budget.
 * `ctx` also carries SegLab's pieces to compose with (types: server/sanity/context.ts):
 *   - ctx.blocks: convBnRelu, doubleConv, maxPool2x2, upsample2x, skipConcat, segmentationHead
 *   - ctx.layers: conv, convBnAct, batchNorm, activation, concat, add, resize, ... and the CenterCrop2D layer
 *   - ctx.encoders.create('resnet34') -> encoder.features(input) gives the feature pyramid; ctx.decoders.unet,
 *     ctx.heads.segmentation build the smp-style decoder and head on it.
 * Saving the file runs a sanity check (build, output shape, a few steps on one batch, gradients, leaks) and puts
 * any problem at its line in the Problems panel.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelContext } from '../../server/sanity/context';

/** Filters of each level, shallow to deep: three 2x poolings, so H and W must be multiples of 8. */
const WIDTHS = [16, 32, 64, 128];

/** Two 3x3 convolutions, each followed by BatchNorm and ReLU, padded so the size stays. */
function convBlock(x: tf.SymbolicTensor, filters: number, name: string): tf.SymbolicTensor {
  for (const i of [1, 2]) {
    x = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'heNormal', name: `${name}_conv${i}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: `${name}_bn${i}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: `${name}_relu${i}` }).apply(x) as tf.SymbolicTensor;
  }
  return x;
}

export function build(ctx: ModelContext): tf.LayersModel {
  const input = tf.input({ shape: ctx.inputShape, name: 'image' });

  // Encoder: a conv block per level, then 2x2 max-pooling; the block outputs are the skip features.
  const skips: tf.SymbolicTensor[] = [];
  let x: tf.SymbolicTensor = input;
  WIDTHS.slice(0, -1).forEach((filters, level) => {
    x = convBlock(x, filters, `enc${level + 1}`);
    skips.push(x);
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${level + 1}` }).apply(x) as tf.SymbolicTensor;
  });
  x = convBlock(x, WIDTHS[WIDTHS.length - 1], 'bottleneck');

  // Decoder: 2x2 up-convolution, concatenate the skip of the same size, conv block.
  for (let level = skips.length - 1; level >= 0; level--) {
    const filters = WIDTHS[level];
    const up = tf.layers.conv2dTranspose({ filters, kernelSize: 2, strides: 2, name: `up${level + 1}` }).apply(x) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate({ name: `cat${level + 1}` }).apply([skips[level], up]) as tf.SymbolicTensor;
    x = convBlock(joined, filters, `dec${level + 1}`);
  }

  // Head: 1x1 conv to one logit per class, no activation.
  const logits = tf.layers.conv2d({ filters: ctx.classes, kernelSize: 1, name: 'logits' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'hand_unet' });
}
