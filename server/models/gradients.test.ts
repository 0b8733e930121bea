/**
 * smp's gradient test: every architecture and every encoder at least once (not the full cross product, which would
 * take minutes even on WASM), randomly initialised: every trainable weight gets a finite gradient and most get a
 * non-zero one. On WASM, the training backend, with the added training kernels including the depthwise gradients
 * (server/backend/depthwiseGrads.ts); the depthwise models (MobileNetV2, EfficientNet, DeepLabV3+'s separable
 * convs) are also checked on cpu, whose stock kernels are the reference. Then, per architecture, Adam steps keep
 * the tensor count flat.
 */
import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {installTrainingKernels} from '../backend/wasmKernels';
import {installDepthwiseTrainingKernels} from '../backend/depthwiseGrads';
import {EncoderModelConfig, MODEL_ARCHS, createModel} from './registry';
import {DEPTHWISE_ENCODERS, ENCODER_NAMES} from './encoders';
import {withInitializer} from './base/layers';
import {withSeededRandom} from '../train/seeded';
import {usesDepthwise} from './base/macs';
import {asList, expectedShapes, label, smallConfig} from './testConfigs';

async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  tf.env().set('PROD', true);
  assert.equal(await tf.setBackend(name), true);
  installTrainingKernels(name);
  if (name === 'wasm') installDepthwiseTrainingKernels('wasm');
}

interface GradCase {
  readonly cfg: EncoderModelConfig;
  readonly size: number;
  /** 2 where BatchNorm would otherwise see a single value (DeepLab's image pooling). */
  readonly batch: number;
}

const GRAD_CASES: GradCase[] = [
  {cfg: smallConfig('unet', 'resnet18', 5), size: 64, batch: 2},
  {cfg: smallConfig('unet', 'vgg16_bn', 3), size: 32, batch: 1},
  {cfg: smallConfig('unet', 'efficientnet-b1', 3, {upsampling: 'bilinear'}), size: 32, batch: 1},
  {cfg: smallConfig('unetplusplus', 'resnet34', 4, {deepSupervision: true}), size: 32, batch: 1},
  {cfg: smallConfig('unetplusplus', 'plain', 4, {upsampling: 'transpose', decoderUseBatchnorm: false}), size: 32, batch: 1},
  {cfg: smallConfig('unetplusplus', 'mobilenet_v2', 3, {deepSupervision: true}), size: 32, batch: 1},
  {cfg: smallConfig('unetplusplus', 'efficientnet-b2', 3), size: 32, batch: 1},
  {cfg: smallConfig('unet3plus', 'vgg16', 3, {cgm: 'binary'}), size: 32, batch: 1},
  {cfg: smallConfig('unet3plus', 'efficientnet-b0', 3, {deepSupervision: true, cgm: 'multiclass'}), size: 32, batch: 1},
  {cfg: smallConfig('unet3plus', 'efficientnet-b3', 3), size: 32, batch: 1},
  {cfg: smallConfig('deeplabv3', 'resnet50', 5, {encoderOutputStride: 8}), size: 32, batch: 2},
  {cfg: smallConfig('deeplabv3plus', 'mobilenet_v2', 3, {encoderOutputStride: 8}), size: 32, batch: 2},
];

function lossOf(model: tf.LayersModel, x: tf.Tensor, targets: tf.Tensor[]): tf.Scalar {
  const outs = asList(model.apply(x, {training: true}) as tf.Tensor | tf.Tensor[]);
  return tf.addN(outs.map((o, i) => tf.mean(tf.square(tf.sub(o, targets[i]))))) as tf.Scalar;
}

function randomBatch(c: EncoderModelConfig, n: number, size: number): {x: tf.Tensor; targets: tf.Tensor[]} {
  return tf.tidy(() => ({
    x: tf.randomUniform([n, size, size, 2], 0, 1, 'float32', 1),
    targets: expectedShapes(c, n, size).map((s, i) => tf.randomUniform(s, 0, 1, 'float32', 2 + i)),
  }));
}

const isDepthwise = (c: EncoderModelConfig): boolean => c.arch === 'deeplabv3plus' || DEPTHWISE_ENCODERS.includes(c.encoderName as never);

describe('gradients reach every trainable weight', () => {
  test('every architecture and every encoder is covered', () => {
    assert.deepEqual(new Set(GRAD_CASES.map((g) => g.cfg.arch)), new Set(MODEL_ARCHS));
    assert.deepEqual(new Set(GRAD_CASES.map((g) => g.cfg.encoderName)), new Set(ENCODER_NAMES));
  });

  const runs = [
    ...GRAD_CASES.map((g) => ({...g, backend: 'wasm' as const})),
    ...GRAD_CASES.filter((g) => isDepthwise(g.cfg)).slice(0, 2).map((g) => ({...g, backend: 'cpu' as const})),
  ];
  for (const {cfg, size, batch, backend} of runs) {
    test(`${label(cfg)} @${size} on ${backend}`, async () => {
      await useBackend(backend);
      const model = withInitializer('glorotUniform', () => createModel(cfg, [size, size]));
      assert.equal(usesDepthwise(model), isDepthwise(cfg));
      const {x, targets} = randomBatch(cfg, batch, size);
      try {
        tf.tidy(() => {
          const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
          const {value, grads} = tf.variableGrads(() => lossOf(model, x, targets), vars);
          assert.ok(Number.isFinite(value.dataSync()[0]));
          let nonZero = 0;
          for (const v of vars) {
            const g = grads[v.name];
            assert.ok(g, `no gradient for ${v.name}`);
            const data = g.dataSync();
            assert.ok(data.every(Number.isFinite), `non-finite gradient for ${v.name}`);
            if (data.some((d) => d !== 0)) nonZero++;
          }
          assert.ok(nonZero > vars.length / 2, `only ${nonZero} of ${vars.length} weights have a non-zero gradient`);
        });
      } finally {
        tf.dispose([x, ...targets]);
        model.dispose();
      }
    });
  }
});

describe('training steps: falling loss, no leaks', () => {
  for (const arch of MODEL_ARCHS) {
    // No ASPP or CGM dropout: a deterministic loss to compare (with the CGM's dropout 0.5 the six-step loss of
    // U-Net 3+ rose in about one run in three).
    const extra = arch === 'unet3plus' ? {deepSupervision: true, cgm: 'binary', cgmDropout: 0} : arch.startsWith('deeplab') ? {decoderAsppDropout: 0} : {};
    const cfg = smallConfig(arch, 'resnet18', 3, extra);
    test(`${label(cfg)} on wasm`, async () => {
      await useBackend('wasm');
      const start = tf.memory().numTensors;
      // Seeded weights: the same model every run.
      const model = withSeededRandom(7, () => withInitializer('glorotUniform', () => createModel(cfg, [null, null])));
      const {x, targets} = randomBatch(cfg, 2, 16);
      const optimizer = tf.train.adam(1e-2);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const step = (): number =>
        tf.tidy(() => (optimizer.minimize(() => lossOf(model, x, targets), true, vars) as tf.Scalar).dataSync()[0]);
      const first = step(); // also creates Adam's slots
      const afterWarmup = tf.memory().numTensors;
      let last = first;
      for (let i = 0; i < 5; i++) {
        last = step();
        assert.equal(tf.memory().numTensors, afterWarmup, `tensor count changed at step ${i + 2}`);
      }
      assert.ok(last < first, `loss ${first} -> ${last} did not fall`);
      optimizer.dispose();
      model.dispose();
      tf.dispose([x, ...targets]);
      assert.equal(tf.memory().numTensors, start, 'everything released after dispose');
    });
  }
});
