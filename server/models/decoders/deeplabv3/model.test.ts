import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {DeepLabV3Config, buildDeepLabV3Model} from './model';
import {DeepLabV3PlusConfig, buildDeepLabV3PlusModel} from '../deeplabv3plus/model';
import {defaultAtrousRates} from './aspp';
import {AtrousConv2D} from '../../base/atrous';
import {withZeroInit} from '../../base/layers';

const v3 = (over: Partial<DeepLabV3Config> = {}): DeepLabV3Config => ({arch: 'deeplabv3', encoderName: 'resnet18', inChannels: 3, classes: 2, decoderChannels: 8, ...over});
const v3p = (over: Partial<DeepLabV3PlusConfig> = {}): DeepLabV3PlusConfig => ({...v3(), arch: 'deeplabv3plus', ...over});
const rateOf = (m: tf.LayersModel, name: string): number => {
  const layer = m.layers.find((l) => l.name.startsWith(name) && l instanceof AtrousConv2D);
  assert.ok(layer, `no atrous layer ${name}`);
  return (layer as AtrousConv2D).rate;
};

describe('ASPP', () => {
  test("rates: the paper's 6/12/18 at output stride 16, doubled at 8; explicit rates win", () => {
    assert.deepEqual(defaultAtrousRates(16), [6, 12, 18]);
    assert.deepEqual(defaultAtrousRates(8), [12, 24, 36]);
    const m16 = withZeroInit(() => buildDeepLabV3Model(v3({encoderOutputStride: 16})));
    assert.deepEqual([1, 2, 3].map((i) => rateOf(m16, `decoder_aspp_convs_${i}`)), [6, 12, 18]);
    m16.dispose();
    const m8 = withZeroInit(() => buildDeepLabV3Model(v3({decoderAtrousRates: [2, 3, 5]})));
    assert.deepEqual([1, 2, 3].map((i) => rateOf(m8, `decoder_aspp_convs_${i}`)), [2, 3, 5]);
    m8.dispose();
  });

  test('five branches (1x1, three atrous, image pooling) projected back to the decoder width', () => {
    const m = withZeroInit(() => buildDeepLabV3Model(v3()));
    assert.equal((m.getLayer('decoder_aspp_concat').input as tf.SymbolicTensor[]).length, 5);
    assert.deepEqual(m.getLayer('decoder_aspp_project_conv').getWeights()[0].shape, [1, 1, 40, 8]);
    assert.ok(!m.layers.some((l) => l.getClassName() === 'DepthwiseConv2D' || (l instanceof AtrousConv2D && l.depthwise)), 'DeepLabV3 ASPP is not separable by default');
    assert.equal(m.getLayer('segmentation_head_upsampling').getConfig().factor, 8, 'head upsamples by the output stride');
    m.dispose();
  });

  test('image pooling is broadcast over the map: output constant over space for a constant input', () => {
    const m = buildDeepLabV3Model(v3({encoderDepth: 3, encoderName: 'plain', encoderParams: {baseFilters: 4}}), [16, 16]);
    tf.tidy(() => {
      const y = m.predict(tf.ones([1, 16, 16, 3])) as tf.Tensor;
      assert.deepEqual(y.shape, [1, 16, 16, 2]);
      assert.ok(y.dataSync().every(Number.isFinite));
    });
    m.dispose();
  });
});

describe('DeepLabV3+', () => {
  test('low-level projection of the stride-4 level to 48 channels; x4 from OS 16, x2 from OS 8', () => {
    const m16 = withZeroInit(() => buildDeepLabV3PlusModel(v3p({encoderName: 'resnet50'}), [64, 64]));
    assert.deepEqual(m16.getLayer('decoder_block1_conv').getWeights()[0].shape, [1, 1, 256, 48]);
    assert.equal(m16.getLayer('decoder_up').getConfig().factor, 4);
    assert.equal(m16.getLayer('segmentation_head_upsampling').getConfig().factor, 4);
    assert.deepEqual(m16.outputShape, [null, 64, 64, 2]);
    m16.dispose();
    const m8 = withZeroInit(() => buildDeepLabV3PlusModel(v3p({encoderOutputStride: 8})));
    assert.equal(m8.getLayer('decoder_up').getConfig().factor, 2);
    assert.ok(m8.layers.some((l) => l instanceof AtrousConv2D && l.depthwise), 'separable ASPP: dilated depthwise convs');
    m8.dispose();
  });

  test('errors name the field', () => {
    assert.throws(() => buildDeepLabV3PlusModel(v3p({encoderOutputStride: 32})), /model\.encoderOutputStride must be 8 or 16 for DeepLab \(dilated encoders\); got 32/);
    assert.throws(() => buildDeepLabV3Model(v3({decoderAtrousRates: [6, 12] as unknown as [number, number, number]})), /model\.decoderAtrousRates must be three integers/);
    assert.throws(() => buildDeepLabV3Model(v3({decoderAsppDropout: 1})), /model\.decoderAsppDropout must be a number in \[0, 1\); got 1/);
    assert.throws(() => buildDeepLabV3Model(v3(), [100, 64]), /input height 100 is not divisible by the output stride 8 of deeplabv3-resnet18 \(encoderDepth 5\): resize, crop or pad to 96 or 104/);
  });
});
