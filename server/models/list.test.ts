import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {defaultConfig, formatModelTable, listModels} from './list';
import {createModel, paramCount} from './registry';
import {withZeroInit} from './base/layers';

describe('listModels', () => {
  test('one row per architecture x encoder, counts of the default config, nothing left allocated', () => {
    const before = tf.memory().numTensors;
    const rows = listModels({inputSize: 64, archs: ['unet', 'deeplabv3plus'], encoders: ['resnet18', 'mobilenet_v2']});
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(rows.map((r) => `${r.arch}/${r.encoderName}`), ['unet/resnet18', 'unet/mobilenet_v2', 'deeplabv3plus/resnet18', 'deeplabv3plus/mobilenet_v2']);
    const model = withZeroInit(() => createModel(defaultConfig('unet', 'resnet18'), [null, null]));
    assert.deepEqual({trainable: rows[0].trainableParams, nonTrainable: rows[0].nonTrainableParams}, paramCount(model));
    model.dispose();
    assert.deepEqual(rows.map((r) => r.depthwise), [false, true, true, true]);
    assert.deepEqual(rows.map((r) => r.outputStride), [32, 32, 16, 16]);
  });

  test('multiply-adds scale with the pixel count (every counted layer is convolutional)', () => {
    const at = (size: number): number => listModels({inputSize: size, archs: ['unet3plus'], encoders: ['resnet18']})[0].multiplyAdds;
    assert.equal(at(128), 4 * at(64));
  });

  test('text table', () => {
    const rows = listModels({inputSize: 64, archs: ['unet'], encoders: ['resnet34']});
    const text = formatModelTable(rows, 64);
    assert.match(text, /^arch +encoder +params +BN stats +GMACs@64 +depthwise\nunet +resnet34 +24\.44M/);
    assert.throws(() => listModels({inputSize: 48, archs: ['unet'], encoders: ['resnet18']}), /input height 48 is not divisible by the output stride 32/);
  });
});
