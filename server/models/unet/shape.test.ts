/**
 * Parametrised forward/backward test over U-Net variants on tiny inputs: output shape, a finite gradient for every
 * trainable weight, and a flat tensor count across training steps.
 */
import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {UNET_DEFAULTS, UnetConfig, buildUnet, validUnetOutputSize} from './model';
import {Upsampling} from '../base/blocks';
import {centerCropLabels, combinedLoss} from '../../losses';

const CLASSES = 3;
const loss = combinedLoss([
  {type: 'ce', weight: 1},
  {type: 'dice', weight: 1},
]);

interface Case {
  readonly cfg: UnetConfig;
  readonly size: number;
}

const base = {...UNET_DEFAULTS, inChannels: 3, classes: CLASSES};
const same = (encoderDepth: number, upsampling: Upsampling, baseFilters: number): UnetConfig =>
  ({...base, encoderDepth, upsampling, baseFilters, padding: 'same', decoderUseBatchnorm: true, dropout: 0.2});
const valid = (encoderDepth: number, upsampling: Upsampling, baseFilters: number): UnetConfig =>
  ({...base, encoderDepth, upsampling, baseFilters, padding: 'valid', decoderUseBatchnorm: false});
// Smallest valid sizes with a few output pixels: 8b + 28 at depth 3 (92 -> 4), 16b + 60 at depth 4 (188 -> 4).
const VALID_SIZE: Record<number, number> = {3: 92, 4: 188};

/** Forward-only shape cases: every depth x upsampling x padding. */
function shapeCases(): Case[] {
  const out: Case[] = [];
  for (const depth of [3, 4]) {
    for (const up of ['transpose', 'bilinear'] as const) {
      out.push({cfg: same(depth, up, 8), size: 64}, {cfg: valid(depth, up, 4), size: VALID_SIZE[depth]});
    }
  }
  return out;
}

/** Backward cases, kept small: the CPU backend's Conv2DBackpropFilter is slow. */
const GRAD_CASES: Case[] = [
  {cfg: same(3, 'transpose', 4), size: 32},
  {cfg: same(4, 'bilinear', 4), size: 32},
  {cfg: valid(3, 'transpose', 4), size: VALID_SIZE[3]},
  {cfg: valid(4, 'bilinear', 2), size: VALID_SIZE[4]},
];

const describeCase = ({cfg, size}: Case): string =>
  `${cfg.padding} depth ${cfg.encoderDepth} ${cfg.upsampling}${cfg.decoderUseBatchnorm ? ' BN' : ''} ` +
  `filters ${cfg.baseFilters} @${size}`;

const outputSize = ({cfg, size}: Case): number =>
  cfg.padding === 'same' ? size : validUnetOutputSize(size, cfg.encoderDepth);

function batch(n: number, size: number, outSize: number): {x: tf.Tensor4D; y: tf.Tensor3D} {
  return tf.tidy(() => {
    const x = tf.randomUniform([n, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const full = tf.randomUniform([n, size, size], 0, CLASSES, 'int32', 2) as tf.Tensor3D;
    return {x, y: centerCropLabels(full, outSize, outSize)};
  });
}

function lossOf(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return loss(model.apply(x, {training: true}) as tf.Tensor, y);
}

describe('U-Net forward shapes', () => {
  for (const c of shapeCases()) {
    test(describeCase(c), () => {
      const model = buildUnet(c.cfg, [c.size, c.size]);
      const out = outputSize(c);
      assert.deepEqual(model.outputShape, [null, out, out, CLASSES]);
      const shape = tf.tidy(() => (model.predict(tf.zeros([2, c.size, c.size, 3])) as tf.Tensor).shape);
      assert.deepEqual(shape, [2, out, out, CLASSES]);
      model.dispose();
    });
  }

  test("'same' with unknown input size runs on another image size", () => {
    const model = buildUnet(same(3, 'transpose', 4), [null, null]);
    const shape = tf.tidy(() => (model.predict(tf.zeros([1, 16, 40, 3])) as tf.Tensor).shape);
    assert.deepEqual(shape, [1, 16, 40, CLASSES]);
    model.dispose();
  });
});

describe('U-Net gradients', () => {
  for (const c of GRAD_CASES) {
    test(`every trainable weight gets a finite gradient: ${describeCase(c)}`, () => {
      const model = buildUnet(c.cfg, [c.size, c.size]);
      const {x, y} = batch(1, c.size, outputSize(c));
      try {
        tf.tidy(() => {
          const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
          const {value, grads} = tf.variableGrads(() => lossOf(model, x, y), vars);
          assert.ok(Number.isFinite(value.dataSync()[0]));
          for (const v of vars) {
            const g = grads[v.name];
            assert.ok(g, `no gradient for ${v.name}`);
            assert.ok(g.dataSync().every(Number.isFinite), `non-finite gradient for ${v.name}`);
          }
        });
      } finally {
        tf.dispose([x, y]);
        model.dispose();
      }
    });
  }
});

describe('U-Net training steps do not leak', () => {
  for (const c of [GRAD_CASES[0], {cfg: valid(2, 'transpose', 4), size: 44}]) {
    test(describeCase(c), () => {
      const start = tf.memory().numTensors;
      const model = buildUnet(c.cfg, [c.size, c.size]);
      const {x, y} = batch(1, c.size, outputSize(c));
      const optimizer = tf.train.adam(1e-3);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const step = (): void => {
        tf.tidy(() => {
          optimizer.minimize(() => lossOf(model, x, y), false, vars);
        });
      };
      step(); // creates Adam's slot variables
      const afterWarmup = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        step();
        assert.equal(tf.memory().numTensors, afterWarmup, `tensor count changed at step ${i + 2}`);
      }
      optimizer.dispose();
      model.dispose();
      tf.dispose([x, y]);
      assert.equal(tf.memory().numTensors, start, 'everything released after dispose');
    });
  }
});
