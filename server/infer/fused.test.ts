import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModel, ModelConfig } from '../models/registry';
import { smallConfig } from '../models/testConfigs';
import { mulberry32 } from '../data/rng';
import { InferenceModel } from './fused';

tf.env().set('PROD', true);

/** Gives every BatchNormalization non-trivial gamma, beta and moving statistics, so folding has work to do. */
function randomiseBatchNorms(model: tf.LayersModel, seed: number): void {
  const rng = mulberry32(seed);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const w = layer.getWeights();
    const fresh = w.map((t, i) => {
      const isVariance = i === w.length - 1;
      const values = Float32Array.from({ length: t.size }, () => (isVariance ? 0.2 + rng() : 2 * rng() - 1));
      return tf.tensor(values, t.shape);
    });
    layer.setWeights(fresh);
    tf.dispose(fresh);
  }
}

function outputs(y: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(y) ? y : [y];
}

function assertSameOutputs(model: tf.LayersModel, x: tf.Tensor, what: string): number {
  const fused = new InferenceModel(model);
  try {
    const expected = outputs(model.predict(x));
    const got = outputs(fused.predict(x));
    assert.equal(got.length, expected.length, what);
    got.forEach((g, i) => {
      assert.deepEqual(g.shape, expected[i].shape, what);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(g, expected[i]))).dataSync()[0]);
      const scale = tf.tidy(() => tf.max(tf.abs(expected[i])).dataSync()[0]);
      assert.ok(diff <= 1e-4 * Math.max(1, scale), `${what}: output ${i} differs by ${diff} (scale ${scale})`);
    });
    tf.dispose([...expected, ...got]);
    return fused.folded;
  } finally {
    fused.dispose();
  }
}

test('one conv + BN + ReLU by hand: folded into a single conv with the BN affine map', () => {
  const input = tf.input({ shape: [2, 1, 1] });
  const conv = tf.layers.conv2d({ filters: 1, kernelSize: 1, useBias: true });
  const bn = tf.layers.batchNormalization({ epsilon: 0 });
  const out = tf.layers.reLU().apply(bn.apply(conv.apply(input))) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  // y = relu(gamma * (3x + 1 - mean) / sqrt(var) + beta), gamma 2, beta 0.5, mean 4, var 4 → relu(3x - 2.5).
  conv.setWeights([tf.tensor4d([3], [1, 1, 1, 1]), tf.tensor1d([1])]);
  bn.setWeights([tf.tensor1d([2]), tf.tensor1d([0.5]), tf.tensor1d([4]), tf.tensor1d([4])]);
  const fused = new InferenceModel(model);
  assert.equal(fused.folded, 1);
  const y = fused.predict(tf.tensor4d([2, 0], [2, 1, 1, 1])) as tf.Tensor;
  assert.deepEqual(Array.from(y.dataSync()), [3.5, 0]);
  fused.dispose();
});

test('models of the zoo: same outputs folded and unfolded (classic U-Net, ResNet U-Net, U-Net++ with deep supervision, DeepLabV3+)', () => {
  const configs: [string, ModelConfig][] = [
    ['classic unet', { arch: 'unet', inChannels: 1, classes: 2, encoderDepth: 2, baseFilters: 4, padding: 'same', decoderUseBatchnorm: true, batchNormMomentum: 0.9, upsampling: 'transpose', dropout: 0 }],
    ['unet resnet18', smallConfig('unet', 'resnet18', 3)],
    ['unet++ deep supervision', smallConfig('unetplusplus', 'plain', 3, { deepSupervision: true })],
    ['deeplabv3+ mobilenet', smallConfig('deeplabv3plus', 'mobilenet_v2', 4)],
  ];
  configs.forEach(([what, cfg], i) => {
    const model = createModel(cfg, [null, null]);
    randomiseBatchNorms(model, 10 + i);
    const channels = model.inputs[0].shape[3] as number;
    const x = tf.randomNormal([2, 32, 32, channels], 0, 1, 'float32', i);
    const folded = assertSameOutputs(model, x, what);
    assert.ok(folded > 0, `${what}: some conv was folded`);
    if (what === 'classic unet') {
      const fused = new InferenceModel(model);
      assert.equal(fused.mergedConcats, 2, 'both decoder concatenations of a depth-2 U-Net are merged');
      fused.dispose();
    }
    x.dispose();
    model.dispose();
  });
});

/** input → k 1×1 convs (2 channels each) → Concatenate(axis) → 3×3 conv → BN (→ ReLU); `alsoOut` adds the concat as an output. */
function concatModel(k: number, opts: { axis?: number; relu?: boolean; alsoOut?: boolean } = {}): tf.LayersModel {
  const input = tf.input({ shape: [6, 5, 3] });
  const branches = Array.from({ length: k }, () => tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(input) as tf.SymbolicTensor);
  const cat = tf.layers.concatenate({ axis: opts.axis ?? -1 }).apply(branches) as tf.SymbolicTensor;
  let y = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(cat) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization().apply(y) as tf.SymbolicTensor;
  if (opts.relu !== false) y = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: opts.alsoOut ? [y, cat] : y });
}

test('a channel concatenation read only by the folded conv is merged into it: same outputs, no concat computed', async () => {
  const x = tf.randomNormal([2, 6, 5, 3], 0, 1, 'float32', 7);
  const cases: [string, tf.LayersModel, number][] = [
    ['two inputs, ReLU', concatModel(2), 1],
    ['three inputs, no ReLU', concatModel(3, { relu: false }), 1],
    ['axis 3', concatModel(2, { axis: 3 }), 1],
    ['the concat is also an output', concatModel(2, { alsoOut: true }), 0],
  ];
  for (const [what, model, merged] of cases) {
    randomiseBatchNorms(model, 3);
    const fused = new InferenceModel(model);
    assert.equal(fused.folded, 1, what);
    assert.equal(fused.mergedConcats, merged, what);
    fused.dispose();
    assertSameOutputs(model, x, what);
    const probe = new InferenceModel(model);
    const info = await tf.profile(() => tf.dispose(probe.predict(x)));
    probe.dispose();
    assert.equal(info.kernels.some((k) => k.name === 'Concat'), merged === 0, `${what}: a Concat kernel ran`);
    model.dispose();
  }
  x.dispose();
});

test('the merged step computes sum_i conv(x_i, W_i) + bias: hand-checked 1×1 case', () => {
  // y = relu(BN(conv1x1(concat(a, b)))) with a = x·1, b = x·2 (1x1 convs, no bias), W = [3; -1], conv bias 0.5,
  // BN identity (gamma 1, beta 0, mean 0, var 1, epsilon 0): y = relu(3x - 2x + 0.5) = relu(x + 0.5).
  const input = tf.input({ shape: [1, 2, 1] });
  const ca = tf.layers.conv2d({ filters: 1, kernelSize: 1, useBias: false });
  const cb = tf.layers.conv2d({ filters: 1, kernelSize: 1, useBias: false });
  const cat = tf.layers.concatenate().apply([ca.apply(input), cb.apply(input)] as tf.SymbolicTensor[]) as tf.SymbolicTensor;
  const conv = tf.layers.conv2d({ filters: 1, kernelSize: 1 });
  const bn = tf.layers.batchNormalization({ epsilon: 0 });
  const out = tf.layers.reLU().apply(bn.apply(conv.apply(cat))) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  ca.setWeights([tf.tensor4d([1], [1, 1, 1, 1])]);
  cb.setWeights([tf.tensor4d([2], [1, 1, 1, 1])]);
  conv.setWeights([tf.tensor4d([3, -1], [1, 1, 2, 1]), tf.tensor1d([0.5])]);
  bn.setWeights([tf.tensor1d([1]), tf.tensor1d([0]), tf.tensor1d([0]), tf.tensor1d([1])]);
  const fused = new InferenceModel(model);
  assert.equal(fused.mergedConcats, 1);
  const y = fused.predict(tf.tensor4d([2, -3], [1, 1, 2, 1])) as tf.Tensor;
  assert.deepEqual(Array.from(y.dataSync()), [2.5, 0]);
  fused.dispose();
  model.dispose();
});

test('a model with nothing to fold, or with a shared layer, runs as is', () => {
  const input = tf.input({ shape: [4, 4, 1] });
  const shared = tf.layers.conv2d({ filters: 1, kernelSize: 1 });
  const twice = shared.apply(shared.apply(input)) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization().apply(twice) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: bn });
  const x = tf.ones([1, 4, 4, 1]);
  assert.equal(assertSameOutputs(model, x, 'shared conv'), 0);
  const plain = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3, padding: 'same' })] });
  assert.equal(assertSameOutputs(plain, x, 'no BN'), 0);
  tf.dispose([x]);
  model.dispose();
  plain.dispose();
});

test('no tensor leaks: predict keeps only its outputs, dispose frees the folded weights', () => {
  const cfg: ModelConfig = { arch: 'unet', inChannels: 1, classes: 2, encoderDepth: 2, baseFilters: 4, padding: 'same', decoderUseBatchnorm: true, batchNormMomentum: 0.9, upsampling: 'transpose', dropout: 0 };
  const model = createModel(cfg, [null, null]);
  const x = tf.ones([1, 16, 16, 1]);
  const before = tf.memory().numTensors;
  const fused = new InferenceModel(model);
  // Folded filter and bias per conv, plus the two filter halves of each merged decoder concat.
  assert.equal(tf.memory().numTensors, before + 2 * fused.folded + 2 * fused.mergedConcats);
  const y = fused.predict(x) as tf.Tensor;
  assert.equal(tf.memory().numTensors, before + 2 * fused.folded + 2 * fused.mergedConcats + 1);
  y.dispose();
  fused.dispose();
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
  model.dispose();
});
