/**
 * Multiply-adds of a built model for its fixed input size: the convolution and dense layers (regular, depthwise,
 * atrous, transposed), as ptflops / thop count them; BatchNorm, activations, pooling, resizing and additions are
 * not counted. A layer's kernel is applied once per output position (per input position for a transposed conv).
 */
import * as tf from '@tensorflow/tfjs';
import {AtrousConv2D} from './atrous';

const CONV_CLASSES = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', AtrousConv2D.className]);

function positions(shape: tf.Shape | tf.Shape[], what: string, layer: string): number {
  const s = (Array.isArray(shape[0]) ? shape[0] : shape) as tf.Shape;
  const spatial = s.slice(1, -1);
  if (spatial.some((d) => d == null)) throw new Error(`multiplyAdds needs a model built for a fixed input size (${layer} has ${what} [${s}])`);
  return (spatial as number[]).reduce((a, b) => a * b, 1);
}

/** Multiply-adds of one forward pass of one image. */
export function multiplyAdds(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const kernels = layer.weights.filter((w) => /kernel$/.test(w.originalName));
    if (kernels.length === 0) continue;
    const size = kernels.reduce((a, w) => a + (w.shape as number[]).reduce((x, y) => x * y, 1), 0);
    if (CONV_CLASSES.has(cls) || cls === 'Dense') total += size * positions(layer.outputShape, 'output shape', layer.name);
    else if (cls === 'Conv2DTranspose') total += size * positions((layer.input as tf.SymbolicTensor).shape, 'input shape', layer.name);
    else throw new Error(`multiplyAdds: no rule for layer ${layer.name} (${cls}) with a kernel`);
  }
  return total;
}

/** True when the model has depthwise convolutions (whose gradients the WASM backend lacks). */
export function usesDepthwise(model: tf.LayersModel): boolean {
  return model.layers.some((l) => l.getClassName() === 'DepthwiseConv2D' || (l instanceof AtrousConv2D && l.depthwise));
}
