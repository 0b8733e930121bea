import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {multiplyAdds, usesDepthwise} from './macs';
import {AtrousConv2D} from './atrous';

describe('multiplyAdds', () => {
  test('conv, depthwise, atrous, transposed and dense layers on an 8x8 input, by hand', () => {
    const input = tf.input({shape: [8, 8, 2]});
    const a = tf.layers.conv2d({filters: 4, kernelSize: 3, padding: 'same'}).apply(input) as tf.SymbolicTensor; // 8*8 * 3*3*2*4 = 4608
    const b = tf.layers.depthwiseConv2d({kernelSize: 3, padding: 'same'}).apply(a) as tf.SymbolicTensor; // 8*8 * 3*3*4 = 2304
    const c = new AtrousConv2D({filters: 1, kernelSize: 3, rate: 2}).apply(b) as tf.SymbolicTensor; // 8*8 * 3*3*4*1 = 2304
    const d = tf.layers.conv2dTranspose({filters: 2, kernelSize: 2, strides: 2}).apply(c) as tf.SymbolicTensor; // 8*8 (input) * 2*2*1*2 = 512
    const pooled = tf.layers.globalAveragePooling2d({}).apply(d) as tf.SymbolicTensor;
    const e = tf.layers.dense({units: 3}).apply(pooled) as tf.SymbolicTensor; // 2*3 = 6
    const bn = tf.layers.batchNormalization({}).apply(e) as tf.SymbolicTensor; // not counted
    const model = tf.model({inputs: input, outputs: bn});
    assert.equal(multiplyAdds(model), 4608 + 2304 + 2304 + 512 + 6);
    assert.ok(usesDepthwise(model));
    model.dispose();
  });

  test('needs a fixed input size', () => {
    const input = tf.input({shape: [null, null, 1]});
    const model = tf.model({inputs: input, outputs: tf.layers.conv2d({filters: 1, kernelSize: 1}).apply(input) as tf.SymbolicTensor});
    assert.throws(() => multiplyAdds(model), /needs a model built for a fixed input size/);
    assert.equal(usesDepthwise(model), false);
    model.dispose();
  });
});
