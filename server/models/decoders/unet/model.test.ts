import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {UnetModelConfig, buildUnetModel} from './model';
import {withZeroInit} from '../../base/layers';

const cfg = (over: Partial<UnetModelConfig> = {}): UnetModelConfig => ({arch: 'unet', encoderName: 'resnet18', inChannels: 3, classes: 2, ...over});
const concats = (m: tf.LayersModel): string[] => m.layers.map((l) => l.name).filter((n) => n.endsWith('_concat'));

describe('U-Net decoder over an encoder', () => {
  test("ResNet (level 0 = input): 5 blocks, the last without skip, as smp; smp's default widths", () => {
    const m = withZeroInit(() => buildUnetModel(cfg()));
    assert.deepEqual(concats(m), [0, 1, 2, 3].map((k) => `decoder_blocks_${k}_concat`));
    assert.deepEqual([0, 1, 2, 3, 4].map((k) => m.getLayer(`decoder_blocks_${k}_conv2_conv`).getWeights()[0].shape[3]), [256, 128, 64, 32, 16]);
    // Block 0: upsampled 512-channel level 5 joined with 256-channel level 4.
    assert.equal(m.getLayer('decoder_blocks_0_conv1_conv').getWeights()[0].shape[2], 512 + 256);
    assert.equal(m.getLayer('segmentation_head').getWeights()[0].shape.join('x'), '3x3x16x2');
    assert.equal(m.getLayer('decoder_blocks_0_up').getClassName(), 'UpSampling2D');
    m.dispose();
  });

  test('VGG (level 0 = a learned feature): every block gets a skip', () => {
    const m = withZeroInit(() => buildUnetModel(cfg({encoderName: 'vgg16', encoderDepth: 3})));
    assert.equal(concats(m).length, 3);
    assert.equal(m.getLayer('decoder_blocks_2_conv1_conv').getWeights()[0].shape[2], 128 + 64);
    m.dispose();
  });

  test("'transpose' upsampling is a 2x2 up-convolution to the block width; no BN means conv biases", () => {
    const m = withZeroInit(() => buildUnetModel(cfg({encoderDepth: 3, decoderChannels: [8, 4, 2], upsampling: 'transpose', decoderUseBatchnorm: false})));
    assert.equal(m.getLayer('decoder_blocks_1_up').getClassName(), 'Conv2DTranspose');
    assert.deepEqual(m.getLayer('decoder_blocks_1_up').getWeights()[0].shape, [2, 2, 4, 8]);
    assert.equal(m.getLayer('decoder_blocks_1_conv1_conv').getWeights().length, 2);
    m.dispose();
  });

  test('a dilated encoder (OS 16) still gives a full-resolution output: the first block does not upsample', () => {
    const m = withZeroInit(() => buildUnetModel(cfg({encoderOutputStride: 16}), [64, 64]));
    assert.deepEqual(m.outputShape, [null, 64, 64, 2]);
    assert.ok(!m.layers.some((l) => l.name === 'decoder_blocks_0_up'));
    m.dispose();
  });

  test('config errors name the field', () => {
    assert.throws(() => buildUnetModel(cfg({decoderChannels: [8, 4]})), /model\.decoderChannels must be a list of 5 positive integers .*; got \[8,4\]/);
    assert.throws(() => buildUnetModel(cfg({upsampling: 'cubic' as 'nearest'})), /model\.upsampling must be one of "nearest", "bilinear", "transpose"; got "cubic"/);
    assert.throws(() => buildUnetModel(cfg({headKernelSize: 5 as 3})), /model\.headKernelSize must be one of 1, 3; got 5/);
    assert.throws(() => buildUnetModel(cfg({encoderName: 'resnet'})), /model\.encoderName "resnet" is unknown; valid: resnet18/);
  });
});
