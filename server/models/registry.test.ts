import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {MODELS, MODEL_ARCHS, ModelConfig, createModel, describeOutputs, inputStrideOf, isClassicUnet} from './registry';
import {UNET_DEFAULTS} from './unet/model';
import {withZeroInit} from './base/layers';

describe('model registry', () => {
  test('createModel builds the classic U-Net for a config without encoderName', () => {
    const cfg = {...UNET_DEFAULTS, inChannels: 1, classes: 2, baseFilters: 2, encoderDepth: 1};
    const model = createModel(cfg, [8, 8]);
    assert.deepEqual(model.outputShape, [null, 8, 8, 2]);
    assert.ok(model.layers.some((l) => l.name === 'enc1_conv1'), 'the classic builder');
    assert.ok(isClassicUnet(cfg));
    model.dispose();
  });

  test('the same arch with an encoderName goes to the encoder-decoder U-Net', () => {
    const model = withZeroInit(() => createModel({arch: 'unet', encoderName: 'resnet18', encoderDepth: 3, inChannels: 3, classes: 2}, [32, 32]));
    assert.ok(model.layers.some((l) => l.name === 'encoder_layer1_0_conv1'));
    model.dispose();
  });

  test('plain data, frozen, one entry per architecture', () => {
    assert.deepEqual([...MODEL_ARCHS], ['unet', 'unetplusplus', 'unet3plus', 'deeplabv3', 'deeplabv3plus']);
    assert.ok(Object.isFrozen(MODELS) && MODEL_ARCHS.every((a) => Object.isFrozen(MODELS[a])));
  });

  test('unknown arch lists the valid ones', () => {
    const cfg = {...UNET_DEFAULTS, inChannels: 1, classes: 2, arch: 'segnet'} as unknown as ModelConfig;
    assert.throws(() => createModel(cfg), /model\.arch "segnet" is unknown; valid: unet, unetplusplus, unet3plus, deeplabv3, deeplabv3plus/);
  });

  test('createModel does not mutate the config', () => {
    const cfg = Object.freeze({arch: 'deeplabv3plus', encoderName: 'resnet18', encoderDepth: 3, inChannels: 3, classes: 2, decoderChannels: 8} as const);
    const model = withZeroInit(() => createModel(cfg, [null, null]));
    model.dispose();
    assert.deepEqual(Object.keys(cfg).sort(), ['arch', 'classes', 'decoderChannels', 'encoderDepth', 'encoderName', 'inChannels']);
  });
});

describe('inputStrideOf and describeOutputs', () => {
  test('stride: 2^depth capped by the output stride; pruning lowers it', () => {
    assert.equal(inputStrideOf({...UNET_DEFAULTS, inChannels: 1, classes: 2, encoderDepth: 3}), 8);
    assert.equal(inputStrideOf({arch: 'unet', encoderName: 'resnet34', inChannels: 3, classes: 1}), 32);
    assert.equal(inputStrideOf({arch: 'deeplabv3', encoderName: 'resnet34', inChannels: 3, classes: 1}), 8);
    assert.equal(inputStrideOf({arch: 'deeplabv3plus', encoderName: 'resnet34', inChannels: 3, classes: 1}), 16);
    assert.equal(inputStrideOf({arch: 'unetplusplus', encoderName: 'resnet34', encoderDepth: 4, pruneLevel: 2, inChannels: 3, classes: 1}), 4);
  });

  test('outputs: main first; U-Net 3+ over ResNet supervises levels 2..depth', () => {
    const c = {arch: 'unet3plus', encoderName: 'resnet18', encoderDepth: 4, deepSupervision: true, cgm: 'multiclass', inChannels: 3, classes: 4} as const;
    assert.deepEqual(describeOutputs(c).map((o) => [o.layer, o.kind, o.channels]), [
      ['cgm_gate_0', 'mask', 4],
      ['cgm_gate_1', 'mask', 4],
      ['cgm_gate_2', 'mask', 4],
      ['cgm_gate_3', 'mask', 4],
      ['presence', 'presence', 4],
    ]);
    const model = withZeroInit(() => createModel(c, [32, 32]));
    assert.deepEqual(model.outputs.map((o) => o.sourceLayer.name), describeOutputs(c).map((o) => o.layer));
    model.dispose();
  });
});
