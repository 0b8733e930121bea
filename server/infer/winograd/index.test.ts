import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { assertRelClose, seeded, useVariant } from '../../backend/testing';
import { createModel } from '../../models/registry';
import { InferenceModel } from '../fused';
import { resetWinograd, UpConv2x2, upconvShape, type UpConvShape, WinogradConv, winogradRuntime, winogradShape } from './index';

const shapeOf = (filter: tf.Tensor4D, parts: number[], padding = 'same') => ({ filterShape: filter.shape, parts, strides: 1, dilations: [1, 1], padding });

/** InferenceModel on `model` runs `kernels` steps with our kernels and predicts what the model predicts; no leaks. */
function assertKernelsPredictAsModel(model: tf.LayersModel, x: tf.Tensor, kernels: number): void {
  const before = tf.memory().numTensors;
  const fused = new InferenceModel(model);
  assert.equal(fused.winogradConvs, kernels);
  const got = fused.predict(x) as tf.Tensor;
  const want = model.predict(x) as tf.Tensor;
  assert.deepEqual(got.shape, want.shape);
  assertRelClose(got.dataSync(), want.dataSync(), 1e-4, 'U-Net logits');
  tf.dispose([got, want]);
  fused.dispose();
  assert.equal(tf.memory().numTensors, before, 'tensors left');
}

const layersOf = (model: tf.LayersModel, name: string) => model.layers.filter((l) => l.getClassName() === name);

describe('Winograd convs on the tfjs WASM backend', () => {
  test('matches tf.fused.conv2d: same/valid padding, ReLU or not, a concatenation of two inputs, batch 2; no leaks', async () => {
    await useVariant('wasm-added');
    const cases = [
      { n: 1, h: 13, w: 9, parts: [8], cOut: 16, padding: 'same', relu: true },
      { n: 2, h: 8, w: 11, parts: [4, 12], cOut: 8, padding: 'valid', relu: false },
      { n: 1, h: 34, w: 40, parts: [16, 16], cOut: 16, padding: 'same', relu: true },
    ] as const;
    for (const [i, k] of cases.entries()) {
      const before = tf.memory().numTensors;
      const cIn = k.parts.reduce((a, b) => a + b, 0);
      const xs = k.parts.map((c, j) => seeded<tf.Rank.R4>([k.n, k.h, k.w, c], 10 * i + j));
      const filter = tf.tidy(() => tf.mul(seeded<tf.Rank.R4>([3, 3, cIn, k.cOut], 50 + i), 0.3) as tf.Tensor4D);
      const bias = seeded<tf.Rank.R1>([k.cOut], 90 + i);
      const conv = WinogradConv.prepare(shapeOf(filter, [...k.parts], k.padding), filter, bias, k.relu);
      assert.ok(conv != null, `case ${i}: prepared`);
      const got = conv.run(xs);
      const want = tf.tidy(() => tf.fused.conv2d({ x: xs.length > 1 ? tf.concat(xs, 3) : xs[0], filter, bias, pad: k.padding, strides: 1, activation: k.relu ? 'relu' : 'linear' }));
      assert.deepEqual(got.shape, want.shape, `case ${i}`);
      assertRelClose(got.dataSync(), want.dataSync(), 1e-5, `case ${i}`);
      tf.dispose([got, want, ...xs, filter, bias]);
      conv.dispose();
      assert.equal(tf.memory().numTensors, before, `case ${i}: tensors left`);
    }
  });

  test('2x2 stride-2 up-convs match tf.layers.conv2dTranspose (odd widths, bias, ReLU, batch 2); no leaks', async () => {
    await useVariant('wasm-added');
    for (const [i, k] of [{ n: 1, h: 5, w: 7, c: 12, cOut: 8, activation: 'linear' }, { n: 2, h: 6, w: 9, c: 16, cOut: 16, activation: 'relu' }].entries()) {
      const before = tf.memory().numTensors;
      const layer = tf.layers.conv2dTranspose({ filters: k.cOut, kernelSize: 2, strides: 2, padding: 'same', activation: k.activation as 'relu', biasInitializer: 'randomNormal' });
      const x = seeded<tf.Rank.R4>([k.n, k.h, k.w, k.c], 300 + i);
      const want = layer.apply(x) as tf.Tensor;
      const [kernel, bias] = layer.getWeights() as [tf.Tensor4D, tf.Tensor1D];
      const cfg = layer.getConfig() as unknown as UpConvShape;
      const up = UpConv2x2.prepare({ ...cfg, filterShape: kernel.shape }, kernel, bias);
      assert.ok(up != null, `case ${i}: prepared`);
      const got = up.run(x);
      assert.deepEqual(got.shape, [k.n, 2 * k.h, 2 * k.w, k.cOut]);
      assertRelClose(got.dataSync(), want.dataSync(), 1e-5, `case ${i}`);
      assert.equal(upconvShape({ ...cfg, filterShape: [2, 2, 12, k.c] }), false, 'Co not a multiple of 8');
      assert.equal(upconvShape({ ...cfg, strides: [1, 1], filterShape: kernel.shape }), false, 'stride 1');
      tf.dispose([x, want, got]);
      up.dispose();
      layer.dispose();
      assert.equal(tf.memory().numTensors, before, `case ${i}: tensors left`);
    }
  });

  test('a U-Net without BatchNorm (the paper\'s: valid padding, crops) also runs its 3x3 convs with it', async () => {
    await useVariant('wasm-added');
    const model = createModel({ arch: 'unet', inChannels: 1, classes: 2, encoderDepth: 2, baseFilters: 8, padding: 'valid', decoderUseBatchnorm: false, batchNormMomentum: 0.9, upsampling: 'transpose', dropout: 0 }, [60, 60]);
    const x = seeded<tf.Rank.R4>([1, 60, 60, 1], 8);
    const plain = new InferenceModel(model);
    assert.equal(plain.folded, 0);
    plain.dispose();
    const convs3x3 = layersOf(model, 'Conv2D').filter((l) => (l.getConfig() as { kernelSize: number[] }).kernelSize[0] === 3).length;
    assertKernelsPredictAsModel(model, x, convs3x3 - 1 + layersOf(model, 'Conv2DTranspose').length); // not the first conv
    tf.dispose(x);
    model.dispose();
  });

  test('not prepared where it does not apply: shapes the kernel does not take, SEGLAB_WINOGRAD=0, other backends', async () => {
    await useVariant('wasm-added');
    const f = (shape: number[]) => ({ filterShape: shape, parts: [shape[2]], strides: 1, dilations: 1, padding: 'same' });
    assert.equal(winogradShape(f([3, 3, 16, 16])), true);
    assert.equal(winogradShape(f([5, 5, 16, 16])), false);
    assert.equal(winogradShape(f([3, 3, 3, 16])), false); // RGB input: channels not a multiple of 4
    assert.equal(winogradShape(f([3, 3, 16, 12])), false); // outputs not a multiple of 8
    assert.equal(winogradShape({ ...f([3, 3, 16, 16]), strides: [2, 2] }), false);
    assert.equal(winogradShape({ ...f([3, 3, 16, 16]), dilations: 2 }), false);
    assert.equal(winogradShape({ ...f([3, 3, 16, 16]), padding: 'causal' }), false);
    assert.equal(winogradShape({ ...f([3, 3, 16, 16]), parts: [8, 4, 4] }), false);
    const filter = tf.zeros([3, 3, 8, 8]) as tf.Tensor4D;
    assert.equal(WinogradConv.prepare(shapeOf(filter, [8]), filter, null, false, { SEGLAB_WINOGRAD: '0' }), null);
    assert.equal(winogradRuntime({ SEGLAB_WINOGRAD: '0' }), null);
    await useVariant('cpu-added');
    const onCpu = tf.zeros([3, 3, 8, 8]) as tf.Tensor4D;
    assert.equal(WinogradConv.prepare(shapeOf(onCpu, [8]), onCpu, null, false), null);
    tf.dispose([onCpu]);
    await useVariant('wasm-added');
    filter.dispose();
  });

  test('InferenceModel on wasm runs a U-Net\'s 3x3 convs and up-convs with them and predicts what the model predicts', async () => {
    await useVariant('wasm-added');
    const model = createModel({ arch: 'unet', inChannels: 1, classes: 3, encoderDepth: 2, baseFilters: 8, padding: 'same', decoderUseBatchnorm: true, batchNormMomentum: 0.9, upsampling: 'transpose', dropout: 0 }, [24, 24]);
    const x = seeded<tf.Rank.R4>([1, 24, 24, 1], 7);
    const folded = new InferenceModel(model);
    const upconvs = layersOf(model, 'Conv2DTranspose').length;
    assert.equal(upconvs, 2);
    // every folded 3x3 conv but the first (one input channel), both up-convs, not the 1x1 head
    assertKernelsPredictAsModel(model, x, folded.folded - 1 + upconvs);
    folded.dispose();
    tf.dispose(x);
    model.dispose();
  });

});

/** Child process: threaded wasm (2 threads); the Winograd runtime with 1 and with 2 threads, on the same input. */
const THREADS_SCRIPT = `
const tf = require(${JSON.stringify(require.resolve('@tensorflow/tfjs'))});
const { WinogradRuntime } = require(${JSON.stringify(require.resolve('./runtime'))});
const { transformFilter } = require(${JSON.stringify(require.resolve('./weights'))});
require(${JSON.stringify(require.resolve('../../backend/ladder'))}).selectBackend({ prefer: 'wasm' }).then(async () => {
  const backend = tf.backend();
  const one = new WinogradRuntime(backend, 1), two = new WinogradRuntime(backend, 2);
  const broken = new WinogradRuntime(backend, 2, process.env, '/nonexistent/seglab-thread.js');
  for (let i = 0; i < 200 && !two.threadsReady; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 200)); // the broken runtime's worker fails to load meanwhile
  const x = tf.tidy(() => tf.sin(tf.range(0, 41 * 23 * 8).mul(0.37)).reshape([1, 41, 23, 8]));
  const filter = tf.tidy(() => tf.cos(tf.range(0, 9 * 8 * 16).mul(0.11)).reshape([3, 3, 8, 16]));
  const u = tf.tensor3d(transformFilter(filter.dataSync(), 8, 16), [16, 8, 16]);
  const bias = tf.zeros([16]);
  const run = (rt) => { const info = rt.conv3x3([x], u, bias, 1, true); return tf.engine().makeTensorFromTensorInfo(info); };
  const a = run(one), b = run(two), c = run(broken);
  const want = tf.relu(tf.conv2d(x, filter, 1, 'same'));
  const kernel = tf.tidy(() => tf.sin(tf.range(0, 2 * 2 * 16 * 8).mul(0.21)).reshape([2, 2, 16, 8]));
  const uUp = tf.tidy(() => tf.reshape(tf.transpose(kernel, [3, 0, 1, 2]), [8, 64]));
  const up = (rt) => tf.engine().makeTensorFromTensorInfo(rt.upconv2x2(x, uUp, bias, false));
  const upA = up(one), upB = up(two);
  const upWant = tf.conv2dTranspose(x, kernel, [1, 82, 46, 16], 2, 'same');
  const maxErr = (p, q) => tf.max(tf.abs(tf.sub(p, q))).dataSync()[0];
  const bytesEqual = (p, q) => Buffer.from(p.dataSync().buffer).equals(Buffer.from(q.dataSync().buffer));
  const result = { threads: two.threads, ready: two.threadsReady, same: bytesEqual(a, b), brokenReady: broken.threadsReady, brokenSame: bytesEqual(a, c), err: maxErr(b, want), upSame: bytesEqual(upA, upB), upErr: maxErr(upB, upWant) };
  one.dispose(); two.dispose(); broken.dispose();
  process.stdout.write(JSON.stringify(result) + '\\n');
});`;

test('threaded: 2 threads give the bytes of 1 thread (3x3 conv and up-conv), match tfjs; a worker that fails falls back to one thread; the process exits on its own', async () => {
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(process.execPath, ['-e', THREADS_SCRIPT], { timeout: 120_000, env: { ...process.env, SEGLAB_WASM_THREADS: '2' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as { threads: number; ready: boolean; same: boolean; err: number; upSame: boolean; upErr: number; brokenReady: boolean; brokenSame: boolean };
  assert.deepEqual({ threads: r.threads, ready: r.ready, same: r.same, upSame: r.upSame }, { threads: 2, ready: true, same: true, upSame: true });
  // a worker that cannot load: the runtime says so once on stderr and computes the same bytes on its own thread
  assert.deepEqual({ ready: r.brokenReady, same: r.brokenSame }, { ready: false, same: true });
  assert.match(stderr, /winograd thread 0: .*seglab-thread\.js.*; SegLab kernels continue on one thread/);
  assert.ok(r.err < 1e-4, `3x3 conv: max error ${r.err}`);
  assert.ok(r.upErr < 1e-4, `up-conv: max error ${r.upErr}`);
});

test.after(() => resetWinograd());
