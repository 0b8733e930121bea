import * as assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import * as tf from '@tensorflow/tfjs';
import {broadcastBatchNormGrad} from './batchNormGrad';
import {assertRelClose, liveCounts, seeded, useVariant, Variant} from './testing';
import {installTrainingKernels, isAddedKernel, uninstallTrainingKernels} from './wasmKernels';

describe('installTrainingKernels', () => {
  test('adds Conv2DBackpropFilter to wasm (stock has none), replaces Conv2DBackpropInput, and is idempotent', async () => {
    await useVariant('cpu-stock');
    assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
    const stockInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
    const first = installTrainingKernels('wasm');
    const registered = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    const second = installTrainingKernels('wasm');
    assert.deepEqual(first, {backendName: 'wasm', kernels: ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'OneHot', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'], gradients: ['FusedBatchNorm']});
    assert.deepEqual(second, first);
    assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), registered, 'a second install must not re-register');
    assert.equal(isAddedKernel('Conv2DBackpropInput', 'wasm'), true);
    uninstallTrainingKernels('wasm');
    assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
    assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm'), stockInput);
  });

  test('the BatchNorm gradient stays while any backend has the kernels installed', async () => {
    await useVariant('cpu-stock');
    const stock = tf.getGradient('FusedBatchNorm');
    installTrainingKernels('wasm');
    installTrainingKernels('cpu');
    uninstallTrainingKernels('wasm');
    assert.equal(tf.getGradient('FusedBatchNorm'), broadcastBatchNormGrad);
    uninstallTrainingKernels('cpu');
    assert.equal(tf.getGradient('FusedBatchNorm'), stock);
  });

  test('other backends only get the gradient', () => {
    assert.deepEqual(installTrainingKernels('tensorflow').kernels, []);
    uninstallTrainingKernels('tensorflow');
  });
});

// ------------------------------------------------------------------ a U-Net-like training step

function convBnRelu(x: tf.SymbolicTensor, filters: number): tf.SymbolicTensor {
  const conv = tf.layers.conv2d({filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: 'heNormal'});
  const bn = tf.layers.batchNormalization();
  const relu = tf.layers.activation({activation: 'relu'});
  return relu.apply(bn.apply(conv.apply(x))) as tf.SymbolicTensor;
}

/** conv-bn-relu, maxpool, conv-bn-relu, conv2dTranspose up, concat skip, conv-bn-relu, 1x1 head (2 classes). */
function tinyUNet(): tf.LayersModel {
  const input = tf.input({shape: [12, 12, 3]});
  const enc = convBnRelu(input, 4);
  const down = tf.layers.maxPooling2d({poolSize: 2}).apply(enc) as tf.SymbolicTensor;
  const mid = convBnRelu(down, 8);
  const up = tf.layers.conv2dTranspose({filters: 4, kernelSize: 2, strides: 2, padding: 'same'}).apply(mid) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate().apply([up, enc]) as tf.SymbolicTensor;
  const dec = convBnRelu(cat, 4);
  const head = tf.layers.conv2d({filters: 2, kernelSize: 1}).apply(dec) as tf.SymbolicTensor;
  return tf.model({inputs: input, outputs: head});
}

interface StepResult {
  loss: number;
  grads: Map<string, Float32Array>;
}

/** Softmax cross-entropy loss and the gradients of every trainable weight, in training mode (batch statistics). */
async function trainStep(model: tf.LayersModel, variant: Variant): Promise<StepResult> {
  await useVariant(variant);
  const {value, grads} = tf.tidy(() => {
    const x = seeded<tf.Rank.R4>([2, 12, 12, 3], 11);
    const labels = tf.oneHot(tf.cast(tf.greater(seeded([2, 12, 12], 12), 0), 'int32'), 2);
    return tf.variableGrads(() => {
      const logits = model.apply(x, {training: true}) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    });
  });
  const out = new Map<string, Float32Array>();
  for (const [name, g] of Object.entries(grads)) {
    out.set(name, g.dataSync() as Float32Array);
  }
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return {loss, grads: out};
}

describe('U-Net-like train step', () => {
  test('wasm (added kernels) and cpu give the loss and gradients of the stock cpu backend to 1e-3 relative', async () => {
    await useVariant('cpu-stock');
    const model = tinyUNet();
    const expected = await trainStep(model, 'cpu-stock');
    assert.ok(expected.grads.size >= 12, `expected every conv/bn weight to get a gradient, got ${expected.grads.size}`);
    for (const variant of ['wasm-added', 'cpu-added'] as Variant[]) {
      const got = await trainStep(model, variant);
      assertRelClose([got.loss], [expected.loss], 1e-3, `${variant} loss`);
      assert.deepEqual([...got.grads.keys()], [...expected.grads.keys()]);
      for (const [name, g] of expected.grads) {
        assertRelClose(got.grads.get(name) ?? [], g, 1e-3, `${variant} gradient of ${name}`);
      }
    }
    await trainStep(model, 'wasm-added'); // weights now live on wasm
    const before = liveCounts();
    await trainStep(model, 'wasm-added');
    assert.deepEqual(liveCounts(), before, 'a train step on wasm leaked');
    model.dispose();
  });
});
