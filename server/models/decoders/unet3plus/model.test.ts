import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {Unet3PlusConfig, buildUnet3PlusModel} from './model';
import {withZeroInit} from '../../base/layers';
import {describeOutputs} from '../../registry';

const cfg = (over: Partial<Unet3PlusConfig> = {}): Unet3PlusConfig => ({
  arch: 'unet3plus',
  encoderName: 'plain',
  encoderParams: {baseFilters: 4},
  encoderDepth: 4,
  decoderCatChannels: 4,
  inChannels: 1,
  classes: 3,
  ...over,
});

const skipConvs = (m: tf.LayersModel): string[] => m.layers.map((l) => l.name).filter((n) => /^decoder_h\d_to_\d_conv$/.test(n)).sort();

describe('U-Net 3+ full-scale skips', () => {
  test('plain encoder, depth 4: every decoder stage takes all 5 scales, fused at 5 x catChannels', () => {
    const model = withZeroInit(() => buildUnet3PlusModel(cfg()));
    const expected: string[] = [];
    for (let i = 3; i >= 0; i--) for (let k = 0; k <= 4; k++) expected.push(`decoder_h${k}_to_${i}_conv`);
    assert.deepEqual(skipConvs(model), expected.sort());
    assert.equal(model.getLayer('decoder_fuse0_conv').getWeights()[0].shape.join('x'), '3x3x20x20');
    // Shallower levels are max-pooled by the stride ratio, deeper ones upsampled bilinearly.
    assert.deepEqual(model.getLayer('decoder_h0_to_3_pool').getConfig().poolSize, [8, 8]);
    assert.equal(model.getLayer('decoder_h4_to_0_up').getConfig().factor, 16);
    assert.equal(model.getLayer('decoder_h0_to_3_conv').getWeights().length, 2, 'conv bias kept with BN, as the official code');
    model.dispose();
  });

  test('ResNet encoder: level 0 is the input, so 5 scales from /2 to /32 and a x2 head', () => {
    const model = withZeroInit(() => buildUnet3PlusModel(cfg({encoderName: 'resnet18', encoderParams: undefined, encoderDepth: 5, inChannels: 3})));
    assert.ok(!skipConvs(model).some((n) => n.startsWith('decoder_h0_')));
    assert.equal(skipConvs(model).length, 4 * 5);
    assert.equal(model.getLayer('segmentation_head_upsampling').getConfig().factor, 2);
    model.dispose();
  });

  test('deep supervision and CGM outputs: gated masks (main first), presence logits last', () => {
    const c = cfg({deepSupervision: true, cgm: 'binary'});
    const model = withZeroInit(() => buildUnet3PlusModel(c, [32, 32]));
    assert.deepEqual(model.outputs.map((o) => o.sourceLayer.name), describeOutputs(c).map((o) => o.layer));
    assert.deepEqual(describeOutputs(c).map((o) => o.kind), ['mask', 'mask', 'mask', 'mask', 'mask', 'presence']);
    assert.deepEqual((model.outputShape as tf.Shape[]).at(-1), [null, 2]);
    assert.deepEqual((model.outputShape as tf.Shape[])[4], [null, 32, 32, 3]);
    // The paper's CGM: Dropout, 1x1 conv on the deepest encoder feature (64 channels here) to 2, global max-pool.
    assert.deepEqual(model.getLayer('cgm_conv').getWeights()[0].shape, [1, 1, 64, 2]);
    model.dispose();
  });

  test('config errors name the field', () => {
    assert.throws(() => buildUnet3PlusModel(cfg({cgm: 'soft' as 'binary'})), /model\.cgm must be one of "none", "binary", "multiclass"; got "soft"/);
    assert.throws(() => buildUnet3PlusModel(cfg({decoderCatChannels: 0})), /model\.decoderCatChannels must be an integer from 1 to 1024; got 0/);
    assert.throws(() => buildUnet3PlusModel(cfg({classes: 0})), /model\.classes must be an integer from 1 to 255/);
  });
});
