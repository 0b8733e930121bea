import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {UnetPlusPlusConfig, buildUnetPlusPlusModel, pruneUnetPlusPlus} from './model';
import {paramCount} from '../../base/paramCount';
import {withInitializer} from '../../base/layers';

const cfg = (over: Partial<UnetPlusPlusConfig> = {}): UnetPlusPlusConfig => ({
  arch: 'unetplusplus',
  encoderName: 'plain',
  encoderParams: {baseFilters: 4},
  encoderDepth: 3,
  decoderChannels: [16, 8, 4],
  inChannels: 1,
  classes: 2,
  deepSupervision: true,
  ...over,
});

const names = (m: tf.LayersModel): string[] => m.layers.map((l) => l.name);

describe('U-Net++ structure', () => {
  test('nested nodes X(i, j), i + j <= depth, each concatenating its row (X(0, 0) included for a plain encoder)', () => {
    const model = buildUnetPlusPlusModel(cfg());
    const nodes = names(model).filter((n) => /^decoder_x_\d_\d_conv1_conv$/.test(n));
    assert.deepEqual(nodes.sort(), ['decoder_x_0_1', 'decoder_x_0_2', 'decoder_x_0_3', 'decoder_x_1_1', 'decoder_x_1_2', 'decoder_x_2_1'].map((n) => `${n}_conv1_conv`));
    // X(i, j) joins up(X(i+1, j-1)) with X(i, 0..j-1): j + 1 inputs.
    assert.equal((model.getLayer('decoder_x_0_3_concat').input as tf.SymbolicTensor[]).length, 4);
    assert.equal((model.getLayer('decoder_x_1_1_concat').input as tf.SymbolicTensor[]).length, 2);
    // Widths per level: decoderChannels reversed (level 0 = the last entry).
    assert.equal(model.getLayer('decoder_x_0_2_conv2_conv').getWeights()[0].shape[3], 4);
    assert.equal(model.getLayer('decoder_x_2_1_conv2_conv').getWeights()[0].shape[3], 16);
    model.dispose();
  });

  test('a ResNet encoder has no X(0, 0): level-0 nodes join only decoder nodes', () => {
    const model = withInitializer('zeros', () => buildUnetPlusPlusModel(cfg({encoderName: 'resnet18', encoderParams: undefined, inChannels: 3})));
    assert.equal((model.getLayer('decoder_x_0_3_concat').input as tf.SymbolicTensor[]).length, 3);
    assert.equal((model.getLayer('decoder_x_1_1_concat').input as tf.SymbolicTensor[]).length, 2);
    model.dispose();
  });

  test('deep supervision: main X(0, depth) first, then X(0, 1) .. X(0, depth-1)', () => {
    const model = buildUnetPlusPlusModel(cfg(), [16, 16]);
    assert.deepEqual(model.outputs.map((o) => o.sourceLayer.name), ['segmentation_head', 'segmentation_head_1', 'segmentation_head_2']);
    assert.deepEqual(model.outputShape, [[null, 16, 16, 2], [null, 16, 16, 2], [null, 16, 16, 2]]);
    model.dispose();
    const single = buildUnetPlusPlusModel(cfg({deepSupervision: false}));
    assert.equal(single.outputs.length, 1);
    single.dispose();
  });
});

describe('U-Net++ pruning', () => {
  test('UNet++ L^1 and L^2 reproduce the full model\'s X(0, 1) and X(0, 2) heads with fewer parameters', () => {
    const full = buildUnetPlusPlusModel(cfg(), [null, null]);
    const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 3);
    tf.tidy(() => {
      full.apply(x, {training: true}); // moves BN statistics away from their initial values
    });
    try {
      const outs = full.predict(x) as tf.Tensor[];
      for (const level of [1, 2]) {
        const pruned = pruneUnetPlusPlus(full, cfg(), level);
        const y = pruned.predict(x) as tf.Tensor;
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(y, outs[level]))).dataSync()[0]);
        assert.ok(diff < 1e-5, `level ${level}: max difference ${diff}`);
        assert.ok(paramCount(pruned).trainable < paramCount(full).trainable);
        assert.ok(!names(pruned).includes(`decoder_x_0_${level + 1}_conv1_conv`));
        assert.ok(!names(pruned).includes(`encoder_conv${level + 1}_conv1`), 'the encoder is cut too');
        tf.dispose(y);
        pruned.dispose();
      }
      tf.dispose(outs);
    } finally {
      x.dispose();
      full.dispose();
    }
  });

  test('errors: pruning without deep supervision, bad pruneLevel', () => {
    const full = buildUnetPlusPlusModel(cfg({deepSupervision: false}));
    assert.throws(() => pruneUnetPlusPlus(full, cfg({deepSupervision: false}), 2), /needs a model trained with model\.deepSupervision: true/);
    full.dispose();
    assert.throws(() => buildUnetPlusPlusModel(cfg({pruneLevel: 4})), /model\.pruneLevel must be an integer from 1 to encoderDepth \(3\); got 4/);
    assert.throws(() => buildUnetPlusPlusModel(cfg({decoderChannels: [8, 4]})), /model\.decoderChannels must be a list of 3 positive integers/);
  });
});
