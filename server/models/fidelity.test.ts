/**
 * Fidelity: trainable parameter counts of reference configurations, as published by the papers / reference code
 * (the U-Net paper's 31,030,658 is asserted in unet/model.test.ts). Models are built with zero kernels: counting
 * needs no initialisation and no forward pass.
 */
import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {EncoderModelConfig, createModel, describeOutputs, paramCount} from './registry';
import {withZeroInit} from './base/layers';

function count(cfg: EncoderModelConfig, size = 256): {trainable: number; nonTrainable: number; outputShape: tf.Shape | tf.Shape[]} {
  const model = withZeroInit(() => createModel(cfg, [size, size]));
  try {
    return {...paramCount(model), outputShape: model.outputShape};
  } finally {
    model.dispose();
  }
}

/** Zhou et al.'s reference layout (MrGiovanni/UNetPlusPlus, keras): filters 32-512, 2x2 up-convs, no BN, 1x1 head. */
const ZHOU = {
  encoderName: 'plain',
  encoderParams: {baseFilters: 32, batchNorm: false},
  encoderDepth: 4,
  decoderChannels: [256, 128, 64, 32],
  upsampling: 'transpose',
  decoderUseBatchnorm: false,
  headKernelSize: 1,
  inChannels: 1,
  classes: 1,
} as const;

/**
 * U-Net 3+ in the official code's conventions (ZJUGiveLab/UNet-Version, models/UNet_3Plus.py), counted from its
 * layer list: every conv 3x3 with bias followed by BN (2 trainable per channel).
 */
function unet3PlusReference(): number {
  const convBn = (cin: number, cout: number): number => 9 * cin * cout + cout + 2 * cout;
  const f = [64, 128, 256, 512, 1024];
  let total = 0;
  let cin = 3;
  for (const c of f) {
    total += convBn(cin, c) + convBn(c, c);
    cin = c;
  }
  const up = 64 * 5; // CatChannels * CatBlocks
  // Decoder stage i (3 = hd4 ... 0 = hd1): encoder levels 0..i, decoder stages i+1..3 (320 channels), hd5 (1024).
  for (let i = 3; i >= 0; i--) {
    for (let k = 0; k <= i; k++) total += convBn(f[k], 64);
    for (let k = i + 1; k <= 3; k++) total += convBn(up, 64);
    total += convBn(f[4], 64) + convBn(up, up);
  }
  return total + 9 * up * 1 + 1; // outconv1: 3x3, 320 -> 1 class
}

describe('parameter counts of the reference configurations', () => {
  test("U-Net++ in Zhou et al.'s reference layout: 9,041,601", () => {
    const c = count({...ZHOU, arch: 'unetplusplus'});
    assert.equal(c.trainable, 9_041_601);
    assert.equal(c.nonTrainable, 0);
    assert.deepEqual(c.outputShape, [null, 256, 256, 1]);
  });

  test('the plain U-Net of the same layout: 7,759,521', () => {
    const c = count({...ZHOU, arch: 'unet'});
    assert.equal(c.trainable, 7_759_521);
    assert.equal(c.nonTrainable, 0);
  });

  test("U-Net with a ResNet-34 encoder in smp's layout: 24,436,369", () => {
    const c = count({arch: 'unet', encoderName: 'resnet34', inChannels: 3, classes: 1});
    assert.equal(c.trainable, 24_436_369);
  });

  test("DeepLabV3+ with ResNet-50, output stride 16, smp's layout: 26,677,585", () => {
    const c = count({arch: 'deeplabv3plus', encoderName: 'resnet50', encoderOutputStride: 16, inChannels: 3, classes: 1});
    assert.equal(c.trainable, 26_677_585);
    assert.deepEqual(c.outputShape, [null, 256, 256, 1]);
  });

  test('U-Net 3+ with the official code\'s conventions: the paper\'s 26.97 M', () => {
    const expected = unet3PlusReference();
    assert.equal((expected / 1e6).toFixed(2), '26.97', 'the reference layer list reproduces the paper');
    const cfg = {
      arch: 'unet3plus',
      encoderName: 'plain',
      encoderParams: {baseFilters: 64, batchNorm: true, convBias: true},
      encoderDepth: 4,
      inChannels: 3,
      classes: 1,
    } as const;
    const c = count(cfg, 320);
    assert.equal(c.trainable, expected);
    assert.deepEqual(c.outputShape, [null, 320, 320, 1]);
    assert.deepEqual(describeOutputs(cfg), [{layer: 'segmentation_head', kind: 'mask', main: true, channels: 1}]);
  });
});
