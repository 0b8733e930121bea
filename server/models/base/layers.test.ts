import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {conv, convBnAct, withInitializer, withZeroInit} from './layers';
import {AtrousConv2D} from './atrous';

/** A one-layer-stack model around `build`, with every kernel set to ones. */
function onesModel(shape: number[], build: (x: tf.SymbolicTensor) => tf.SymbolicTensor): tf.LayersModel {
  const input = tf.input({shape});
  const model = tf.model({inputs: input, outputs: build(input)});
  for (const layer of model.layers) {
    if (layer.weights.length) layer.setWeights(layer.getWeights().map((w) => tf.onesLike(w)));
  }
  return model;
}

describe('conv helper', () => {
  test("a strided 3x3 conv pads like PyTorch (1 on both sides), not like TF 'same' (0 before, 1 after)", () => {
    // All-ones 4x4 input and kernel, stride 2, padding 1: windows centred on (0,0), (0,2), (2,0), (2,2) cover 4, 6,
    // 6 and 9 pixels. TF 'same' would centre them on (1,1)... and give 9, 6, 6, 4.
    const model = onesModel([4, 4, 1], (x) => conv(x, {name: 'c', filters: 1, kernel: 3, stride: 2}));
    tf.tidy(() => assert.deepEqual(Array.from((model.predict(tf.ones([1, 4, 4, 1])) as tf.Tensor).dataSync()), [4, 6, 6, 9]));
    const tfSame = onesModel([4, 4, 1], (x) => conv(x, {name: 'c', filters: 1, kernel: 3, stride: 2, padding: 'same'}));
    tf.tidy(() => assert.deepEqual(Array.from((tfSame.predict(tf.ones([1, 4, 4, 1])) as tf.Tensor).dataSync()), [9, 6, 6, 4]));
    model.dispose();
    tfSame.dispose();
  });

  test('rate > 1 gives an AtrousConv2D; rate with stride is refused', () => {
    const input = tf.input({shape: [8, 8, 2]});
    const y = conv(input, {name: 'a', filters: 3, kernel: 3, rate: 2});
    assert.ok(y.sourceLayer instanceof AtrousConv2D);
    assert.throws(() => conv(input, {name: 'b', filters: 3, kernel: 3, rate: 2, stride: 2}), /atrous convs replace strides/);
    tf.dispose(y.sourceLayer.getWeights());
  });

  test('convBnAct: bias only without BN; names follow the prefix', () => {
    const input = tf.input({shape: [4, 4, 2]});
    const withBn = convBnAct(input, {name: 'blk', filters: 3, kernel: 3}, {momentum: 0.9, epsilon: 1e-5});
    const noBn = convBnAct(input, {name: 'plain', filters: 3, kernel: 3}, null);
    const model = tf.model({inputs: input, outputs: [withBn, noBn]});
    assert.equal(model.getLayer('blk_conv').getWeights().length, 1);
    assert.equal(model.getLayer('plain_conv').getWeights().length, 2);
    assert.ok(model.getLayer('blk_bn') && model.getLayer('blk_relu'));
    model.dispose();
  });

  test('withInitializer / withZeroInit scope the kernel initializer and restore it', () => {
    const input = tf.input({shape: [4, 4, 1]});
    const zero = withZeroInit(() => conv(input, {name: 'z', filters: 2, kernel: 3}));
    const glorot = withInitializer('glorotUniform', () => conv(input, {name: 'g', filters: 2, kernel: 3}));
    const normal = conv(input, {name: 'n', filters: 2, kernel: 3});
    const model = tf.model({inputs: input, outputs: [zero, glorot, normal]});
    const absSum = (n: string): number => tf.tidy(() => tf.sum(tf.abs(model.getLayer(n).getWeights()[0])).dataSync()[0]);
    assert.equal(absSum('z'), 0);
    assert.ok(absSum('g') > 0 && absSum('n') > 0);
    assert.equal(model.getLayer('n').getConfig().kernelInitializer && (model.getLayer('n').getConfig().kernelInitializer as {className: string}).className, 'VarianceScaling');
    assert.throws(() => withZeroInit(() => {
      throw new Error('boom');
    }), /boom/);
    const after = conv(tf.input({shape: [4, 4, 1]}), {name: 'after', filters: 1, kernel: 1});
    assert.notEqual((after.sourceLayer.getConfig().kernelInitializer as {className: string}).className, 'Zeros');
    model.dispose();
    tf.dispose(after.sourceLayer.getWeights());
  });
});
