import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {UNET_DEFAULTS, UnetConfig, buildUnet, unetOutputSize, validUnetOutputSize} from './model';
import {paramCount} from '../base/paramCount';

const cfg = (over: Partial<UnetConfig> = {}): UnetConfig => ({...UNET_DEFAULTS, inChannels: 3, classes: 3, baseFilters: 4, ...over});

/** Parameter count from the architecture description, independent of the builder. */
function expectedParams(c: UnetConfig): {trainable: number; nonTrainable: number} {
  const conv = (k: number, cin: number, cout: number, bias: boolean): number => k * k * cin * cout + (bias ? cout : 0);
  let trainable = 0;
  let nonTrainable = 0;
  const stage = (cin: number, f: number, bn: boolean): void => {
    trainable += conv(3, cin, f, !bn) + conv(3, f, f, !bn) + (bn ? 4 * f : 0);
    nonTrainable += bn ? 4 * f : 0;
  };
  const f = (level: number): number => c.baseFilters * 2 ** (level - 1);
  const encBn = c.encoderUseBatchnorm ?? c.decoderUseBatchnorm;
  let cin = c.inChannels;
  for (let l = 1; l <= c.encoderDepth + 1; l++) {
    stage(cin, f(l), encBn);
    cin = f(l);
  }
  for (let l = c.encoderDepth; l >= 1; l--) {
    trainable += c.upsampling === 'transpose' ? conv(2, f(l + 1), f(l), true) : conv(1, f(l + 1), f(l), true);
    stage(2 * f(l), f(l), c.decoderUseBatchnorm);
  }
  trainable += conv(1, f(1), c.classes, true);
  return {trainable, nonTrainable};
}

describe('U-Net (paper configuration)', () => {
  test('valid, depth 4, 64 filters, no BN: 31,030,658 parameters and 572 -> 388', () => {
    const paper = cfg({inChannels: 1, classes: 2, baseFilters: 64, encoderDepth: 4, padding: 'valid', decoderUseBatchnorm: false});
    const model = buildUnet(paper, [572, 572]);
    try {
      assert.deepEqual(paramCount(model), {trainable: 31_030_658, nonTrainable: 0});
      assert.equal(model.countParams(), 31_030_658);
      assert.deepEqual(model.outputShape, [null, 388, 388, 2]);
    } finally {
      model.dispose();
    }
  });
});

describe('U-Net structure', () => {
  const variants: Partial<UnetConfig>[] = [
    {encoderDepth: 2},
    {encoderDepth: 3, upsampling: 'bilinear'},
    {encoderDepth: 1, decoderUseBatchnorm: false},
    {encoderDepth: 2, decoderUseBatchnorm: true, encoderUseBatchnorm: false, padding: 'valid'},
  ];
  for (const v of variants) {
    test(`parameter count matches the architecture: ${JSON.stringify(v)}`, () => {
      const c = cfg(v);
      const model = buildUnet(c, [null, null]);
      assert.deepEqual(paramCount(model), expectedParams(c));
      model.dispose();
    });
  }

  test('layer names, biases and BN momentum', () => {
    const model = buildUnet(cfg({encoderDepth: 2, dropout: 0.5}));
    const names = model.layers.map((l) => l.name);
    for (const n of ['enc1_conv1', 'enc1_bn1', 'enc1_relu1', 'enc2_conv2', 'pool2', 'bottleneck_conv1', 'bottleneck_dropout',
      'dec2_up', 'dec2_concat', 'dec1_up', 'dec1_concat', 'dec1_conv2', 'head']) {
      assert.ok(names.includes(n), `missing layer ${n}`);
    }
    assert.ok(!names.includes('dec1_crop'), "'same' padding does not crop");
    assert.equal(model.getLayer('enc1_conv1').getWeights().length, 1, 'conv before BN has no bias');
    assert.equal(model.getLayer('enc1_bn1').getConfig().momentum, 0.9);
    assert.deepEqual(model.outputShape, [null, null, null, 3]);
    model.dispose();
    const plain = buildUnet(cfg({encoderDepth: 1, decoderUseBatchnorm: false, padding: 'valid'}));
    assert.equal(plain.getLayer('enc1_conv1').getWeights().length, 2, 'conv without BN has a bias');
    assert.ok(plain.layers.some((l) => l.name === 'dec1_crop'));
    assert.ok(!plain.layers.some((l) => l.name.includes('_bn')));
    plain.dispose();
  });

  test('valid-mode output shapes match validUnetOutputSize', () => {
    for (const [depth, h, w] of [[1, 18, 30], [2, 60, 44], [3, 124, 92]]) {
      const model = buildUnet(cfg({encoderDepth: depth, padding: 'valid', decoderUseBatchnorm: false}), [h, w]);
      assert.deepEqual(model.outputShape, [null, validUnetOutputSize(h, depth), validUnetOutputSize(w, depth), 3]);
      assert.deepEqual(unetOutputSize({padding: 'valid', encoderDepth: depth}, [h, w]), (model.outputShape as number[]).slice(1, 3));
      model.dispose();
    }
  });
});

describe('U-Net config and size errors', () => {
  const bad: [Partial<UnetConfig>, RegExp][] = [
    [{encoderDepth: 7}, /model\.encoderDepth must be an integer from 1 to 6; got 7/],
    [{classes: 1}, /model\.classes .*use 2 for binary/],
    [{padding: 'full' as 'same'}, /model\.padding must be 'same' or 'valid'; got "full"/],
    [{upsampling: 'nearest' as 'bilinear'}, /model\.upsampling must be 'transpose' or 'bilinear'/],
    [{batchNormMomentum: 0.1 * 20}, /model\.batchNormMomentum .*PyTorch momentum 0\.1/],
    [{dropout: 1}, /model\.dropout must be a number in \[0, 1\); got 1/],
    [{baseFilters: 2.5}, /model\.baseFilters must be an integer/],
  ];
  for (const [over, re] of bad) {
    test(`rejects ${JSON.stringify(over)}`, () => assert.throws(() => buildUnet(cfg(over)), re));
  }

  test('input sizes the architecture cannot take', () => {
    assert.throws(() => buildUnet(cfg({encoderDepth: 4}), [250, 256]), /input height 250 is not divisible by 2\^encoderDepth = 16: resize, crop or pad to 240 or 256/);
    assert.throws(() => buildUnet(cfg({padding: 'valid'}), [572, 570]), /input width 570 does not work.* 556 or 572/);
    const before = tf.memory().numTensors;
    assert.throws(() => buildUnet(cfg({padding: 'valid'}), [571, 572]), /input height 571/);
    assert.equal(tf.memory().numTensors, before, 'a rejected size allocates no weights');
  });
});
