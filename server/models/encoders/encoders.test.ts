import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {ENCODERS, ENCODER_NAMES, EncoderName, EncoderOptions, OutputStride, createEncoder} from './index';
import {AtrousConv2D} from '../base/atrous';
import {withZeroInit} from '../base/layers';
import {paramCount} from '../base/paramCount';
import {roundFilters} from './efficientnet';

const opts = (over: Partial<EncoderOptions> = {}): EncoderOptions => ({inChannels: 3, depth: 5, outputStride: 32, batchNormMomentum: 0.9, ...over});

/** An encoder wrapped in a model (its deepest levels as outputs), built with zero kernels (counting only). */
function encoderModel(name: string, o: EncoderOptions, size: number | null = 64, overrides: object = {}): {model: tf.LayersModel; levels: tf.SymbolicTensor[]} {
  return withZeroInit(() => {
    const encoder = createEncoder(name, o, overrides);
    const input = tf.input({shape: [size, size, o.inChannels]});
    const levels = encoder.features(input);
    return {model: tf.model({inputs: input, outputs: levels.slice(1)}), levels};
  });
}

// Reference counts: torchvision's / efficientnet-pytorch's documented totals minus the ImageNet classifier, which
// an encoder drops (and, for EfficientNet, minus the unused 1x1 head conv + BN to 1280 * width channels).
const fc = (inFeatures: number): number => inFeatures * 1000 + 1000;
const VGG_CLASSIFIER = 25088 * 4096 + 4096 + 4096 * 4096 + 4096 + fc(4096);
const effHead = (inCh: number, outCh: number): number => inCh * outCh + 2 * outCh + fc(outCh);
const REFERENCE: Record<Exclude<EncoderName, 'plain'>, number> = {
  resnet18: 11_689_512 - fc(512),
  resnet34: 21_797_672 - fc(512),
  resnet50: 25_557_032 - fc(2048),
  vgg16: 138_357_544 - VGG_CLASSIFIER,
  vgg16_bn: 138_365_992 - VGG_CLASSIFIER,
  mobilenet_v2: 3_504_872 - fc(1280),
  'efficientnet-b0': 5_288_548 - effHead(320, 1280),
  'efficientnet-b1': 7_794_184 - effHead(320, 1280),
  'efficientnet-b2': 9_109_994 - effHead(352, 1408),
  'efficientnet-b3': 12_233_232 - effHead(384, 1536),
};

/** BN gamma + beta count of a model: equals its moving mean + variance count. */
function bnTrainable(model: tf.LayersModel): number {
  return model.layers
    .filter((l) => l.getClassName() === 'BatchNormalization')
    .reduce((sum, l) => sum + l.trainableWeights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0), 0);
}

describe('encoder parameter counts match the reference implementations', () => {
  for (const [name, expected] of Object.entries(REFERENCE)) {
    test(`${name}: ${expected.toLocaleString('en')} trainable`, () => {
      const {model} = encoderModel(name, opts());
      try {
        const count = paramCount(model);
        assert.equal(count.trainable, expected);
        assert.equal(count.nonTrainable, bnTrainable(model), 'moving statistics pair with gamma/beta');
      } finally {
        model.dispose();
      }
    });
  }

  test('plain encoder: two 3x3 convs per level, widths baseFilters * 2^level', () => {
    const conv = (cin: number, cout: number): number => 9 * cin * cout + cout;
    let expected = 0;
    for (let level = 0, cin = 1; level <= 4; cin = 32 * 2 ** level, level++) expected += conv(cin, 32 * 2 ** level) + conv(32 * 2 ** level, 32 * 2 ** level);
    const {model} = encoderModel('plain', opts({inChannels: 1, depth: 4}), 64, {baseFilters: 32, batchNorm: false});
    assert.deepEqual(paramCount(model), {trainable: expected, nonTrainable: 0});
    model.dispose();
  });

  test("efficientnet-pytorch's round_filters", () => {
    // filters * width, rounded to a multiple of 8, never below 90%: 32*1.1 = 35.2 -> 32; 40*1.1 = 44 -> 48; 32*1.2 = 38.4 -> 40.
    assert.deepEqual([roundFilters(32, 1.1), roundFilters(40, 1.1), roundFilters(32, 1.2), roundFilters(112, 1.1)], [32, 48, 40, 120]);
  });
});

describe('feature pyramid', () => {
  for (const name of ENCODER_NAMES) {
    test(`${name}: depth 5 and 3 levels have strides 1..2^depth and the announced channels`, () => {
      for (const depth of [5, 3]) {
        const {model, levels} = encoderModel(name, opts({depth, inChannels: 1}));
        const encoder = createEncoder(name, opts({depth, inChannels: 1}));
        assert.equal(levels.length, depth + 1);
        assert.deepEqual([...encoder.strides], [1, 2, 4, 8, 16, 32].slice(0, depth + 1));
        levels.forEach((t, i) => assert.deepEqual(t.shape, [null, 64 / 2 ** i, 64 / 2 ** i, encoder.outChannels[i]], `${name} level ${i}`));
        assert.equal(encoder.firstFeatureIsInput, !['vgg', 'plain'].includes(ENCODERS[name].family));
        model.dispose();
      }
    });
  }

  // [encoder, output stride, dilation rates used]. VGG's level 5 is a lone max-pool: at OS 8 only level 4 dilates.
  const DILATED: [EncoderName, OutputStride, number[]][] = [
    ['resnet50', 8, [2, 4]],
    ['resnet18', 16, [2]],
    ['mobilenet_v2', 8, [2, 4]],
    ['efficientnet-b0', 16, [2]],
    ['vgg16', 8, [2]],
    ['plain', 8, [2, 4]],
  ];
  for (const [name, os, rates] of DILATED) {
    test(`${name} at output stride ${os}: deep levels stay at /${os}, parameter count unchanged`, () => {
      const dilated = encoderModel(name, opts({outputStride: os}), 64, name === 'plain' ? {baseFilters: 4} : {});
      const plain = encoderModel(name, opts(), 64, name === 'plain' ? {baseFilters: 4} : {});
      try {
        dilated.levels.forEach((t, i) => assert.equal(t.shape[1], 64 / Math.min(2 ** i, os), `level ${i}`));
        assert.deepEqual(paramCount(dilated.model), paramCount(plain.model));
        const atrous = dilated.model.layers.filter((l): l is AtrousConv2D => l instanceof AtrousConv2D);
        assert.ok(atrous.length > 0, 'dilated convs are AtrousConv2D layers');
        assert.deepEqual([...new Set(atrous.map((l) => l.rate))].sort(), rates);
      } finally {
        dilated.model.dispose();
        plain.model.dispose();
      }
    });
  }

  test("ResNet-50 at OS 8 follows smp's make_dilated: layer3 rate 2, layer4 rate 4, no strides left", () => {
    const {model} = encoderModel('resnet50', opts({outputStride: 8}));
    const rate = (n: string): number => (model.getLayer(n) as AtrousConv2D).rate;
    assert.equal(rate('encoder_layer3_0_conv2'), 2);
    assert.equal(rate('encoder_layer3_5_conv2'), 2);
    assert.equal(rate('encoder_layer4_0_conv2'), 4);
    assert.deepEqual(model.getLayer('encoder_layer3_0_downsample_0').getConfig().strides, [1, 1]);
    assert.deepEqual(model.getLayer('encoder_layer2_0_downsample_0').getConfig().strides, [2, 2]);
    model.dispose();
  });

  test('inChannels reaches the first conv; unknown spatial size works', () => {
    const {model, levels} = encoderModel('resnet18', opts({inChannels: 1}), null);
    assert.deepEqual(model.getLayer('encoder_conv1').getWeights()[0].shape, [7, 7, 1, 64]);
    assert.deepEqual(levels[5].shape, [null, null, null, 512]);
    model.dispose();
  });
});

describe('encoder registry', () => {
  test('plain data, frozen, params copied before each build', () => {
    assert.ok(Object.isFrozen(ENCODERS));
    for (const name of ENCODER_NAMES) assert.ok(Object.isFrozen(ENCODERS[name]) && Object.isFrozen(ENCODERS[name].params), name);
    const before = JSON.stringify(ENCODERS.plain.params);
    const {model} = encoderModel('plain', opts({depth: 3}), 32, {baseFilters: 8});
    assert.equal(JSON.stringify(ENCODERS.plain.params), before);
    assert.equal(model.getLayer('encoder_conv0_conv1').getWeights()[0].shape[3], 8);
    model.dispose();
  });

  const bad: [string, Partial<EncoderOptions>, object, RegExp][] = [
    ['resnet101', {}, {}, /model\.encoderName "resnet101" is unknown; valid: resnet18, resnet34, resnet50, vgg16, vgg16_bn, mobilenet_v2, efficientnet-b0/],
    ['resnet18', {depth: 6}, {}, /model\.encoderDepth must be an integer from 3 to 5; got 6/],
    ['resnet18', {outputStride: 4 as OutputStride}, {}, /model\.encoderOutputStride must be one of 8, 16, 32; got 4/],
    ['resnet18', {inChannels: 0}, {}, /model\.inChannels must be an integer from 1 to 64; got 0/],
    ['resnet18', {}, {baseFilters: 8}, /model\.encoderParams\.baseFilters is not a parameter of encoder "resnet18"; it takes none/],
    ['plain', {}, {width: 8}, /model\.encoderParams\.width .* valid: baseFilters, batchNorm, convBias/],
    ['plain', {}, {baseFilters: 0}, /model\.encoderParams\.baseFilters must be an integer from 1 to 1024; got 0/],
  ];
  for (const [name, o, overrides, re] of bad) {
    test(`rejects ${name} ${JSON.stringify(o)} ${JSON.stringify(overrides)}`, () => {
      const before = tf.memory().numTensors;
      assert.throws(() => createEncoder(name, opts(o), overrides), re);
      assert.equal(tf.memory().numTensors, before);
    });
  }
});
