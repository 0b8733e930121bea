import {before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {AtrousConv2D, AtrousMethod, atrousAxisPlan, atrousConv2d, spaceToBatchOverhead} from './atrous';
import {installTrainingKernels} from '../../backend/wasmKernels';
import {installDepthwiseTrainingKernels} from '../../backend/depthwiseGrads';

// Importing the wasm backend makes it the default; the reference tests run on cpu.
before(async () => {
  tf.env().set('PROD', true);
  assert.equal(await tf.setBackend('cpu'), true);
});

/** The kernel with rate-1 zeros inserted between taps: an explicitly dilated, ordinary kernel. */
function dilateKernel(w: tf.Tensor4D, rate: number): tf.Tensor4D {
  const [k, , ci, co] = w.shape;
  const spread = tf.pad(tf.reshape(w, [k, 1, k, 1, ci, co]), [[0, 0], [0, rate - 1], [0, 0], [0, rate - 1], [0, 0], [0, 0]]);
  const size = (k - 1) * rate + 1;
  return tf.slice(tf.reshape(spread, [k * rate, k * rate, ci, co]), [0, 0, 0, 0], [size, size, ci, co]) as tf.Tensor4D;
}

/** Reference: ordinary stride-1 'same' conv with the explicitly dilated kernel (differentiable everywhere). */
function reference(x: tf.Tensor4D, w: tf.Tensor4D, rate: number, depthwise: boolean, _method?: AtrousMethod): tf.Tensor4D {
  const wd = dilateKernel(w, rate);
  return depthwise ? tf.depthwiseConv2d(x, wd, 1, 'same') : tf.conv2d(x, wd, 1, 'same');
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

const CASES: [number, number, number, boolean][] = [
  // [height, width, rate, depthwise]
  [6, 6, 2, false],
  [7, 5, 2, false],
  [9, 8, 3, false],
  [5, 7, 4, false],
  [4, 9, 4, false], // height <= rate: only the centre kernel row sees the image
  [3, 2, 6, false], // both: a 1x1 conv with the centre tap
  [6, 3, 3, true],
  [7, 6, 2, true],
  [8, 5, 3, true],
];

describe('atrousConv2d', () => {
  test('the space-to-batch plan pads to a multiple of the rate and crops the extra rows', () => {
    // k = 3, rate 2: 2 px on each side; 7 + 4 = 11 -> one extra row to reach 12, cropped afterwards.
    assert.deepEqual(atrousAxisPlan(7, 3, 2), {pad: [2, 3], crop: [0, 1]});
    assert.deepEqual(atrousAxisPlan(6, 3, 2), {pad: [2, 2], crop: [0, 0]});
    // k = 3, rate 3: 3 px each side; 8 + 6 = 14 -> 15.
    assert.deepEqual(atrousAxisPlan(8, 3, 3), {pad: [3, 4], crop: [0, 1]});
  });

  test('space-to-batch overhead: padded area over the map area', () => {
    // 32x32, rate 24: 32 + 48 = 80 -> 96 per axis: 9x. Rate 36 >= 32 cuts to the centre tap: no padding.
    assert.equal(spaceToBatchOverhead(32, 32, 3, 24), 9);
    assert.equal(spaceToBatchOverhead(32, 32, 3, 36), 1);
    assert.equal(spaceToBatchOverhead(64, 64, 3, 2), (68 * 68) / (64 * 64));
  });

  for (const method of ['spaceToBatch', 'taps', 'auto'] as AtrousMethod[]) {
    for (const [h, w, rate, depthwise] of CASES) {
      const label = `${method}, ${depthwise ? 'depthwise ' : ''}${h}x${w}, rate ${rate}`;
      test(`forward equals the explicitly dilated kernel and tf's dilated forward: ${label}`, () => {
        tf.tidy(() => {
          const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
          const k = tf.randomNormal([3, 3, 3, depthwise ? 1 : 4], 0, 1, 'float32', 2) as tf.Tensor4D;
          const y = atrousConv2d(x, k, rate, depthwise, method);
          assert.deepEqual(y.shape, [2, h, w, depthwise ? 3 : 4]);
          assert.ok(maxDiff(y, reference(x, k, rate, depthwise)) < 1e-4);
          const tfDilated = depthwise ? tf.depthwiseConv2d(x, k, 1, 'same', 'NHWC', rate) : tf.conv2d(x, k, 1, 'same', 'NHWC', rate);
          assert.ok(maxDiff(y, tfDilated) < 1e-4);
        });
      });

      test(`gradients w.r.t. input and kernel equal the explicit reference: ${label}`, () => {
        tf.tidy(() => {
          const x = tf.randomNormal([1, h, w, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
          const k = tf.randomNormal([3, 3, 2, depthwise ? 1 : 3], 0, 1, 'float32', 4) as tf.Tensor4D;
          const dy = tf.randomNormal([1, h, w, depthwise ? 2 : 3], 0, 1, 'float32', 5);
          const loss = (f: typeof atrousConv2d | typeof reference) => (...[a, b]: tf.Tensor[]): tf.Tensor =>
            tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, rate, depthwise, method), dy));
          const [gx, gk] = tf.grads(loss(atrousConv2d))([x, k]);
          const [rx, rk] = tf.grads(loss(reference))([x, k]);
          assert.ok(maxDiff(gx, rx) < 1e-4, `dx differs by ${maxDiff(gx, rx)}`);
          assert.ok(maxDiff(gk, rk) < 1e-4, `dk differs by ${maxDiff(gk, rk)}`);
        });
      });
    }
  }

  test('tf.conv2d itself refuses the gradient of a dilated conv (why this layer exists)', () => {
    const x = tf.ones([1, 6, 6, 1]) as tf.Tensor4D;
    const k = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    assert.throws(() => tf.grad((a: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, k, 1, 'same', 'NHWC', 2)))(x), /dilation/i);
    tf.dispose([x, k]);
  });
});

describe('AtrousConv2D layer', () => {
  test('weights, output shape, config round trip and registration', () => {
    const layer = new AtrousConv2D({name: 'aspp', filters: 5, kernelSize: 3, rate: 2, useBias: false});
    const input = tf.input({shape: [null, null, 4]});
    const out = layer.apply(input) as tf.SymbolicTensor;
    assert.deepEqual(out.shape, [null, null, null, 5]);
    assert.deepEqual(layer.getWeights().map((w) => w.shape), [[3, 3, 4, 5]]);
    const dw = new AtrousConv2D({name: 'dw', kernelSize: 3, rate: 3, depthwise: true});
    dw.apply(input);
    assert.deepEqual(dw.getWeights().map((w) => w.shape), [[3, 3, 4, 1], [4]]);
    assert.ok(dw.weights[0].name.endsWith('depthwise_kernel'));
    const cfg = layer.getConfig();
    assert.equal(cfg.rate, 2);
    assert.equal(cfg.useBias, false);
    assert.ok(tf.serialization.SerializationMap.getMap().classNameMap.AtrousConv2D);
    tf.dispose([...layer.getWeights(), ...dw.getWeights()]);
  });

  test('the layer adds its bias to the atrous conv', () => {
    const layer = new AtrousConv2D({filters: 2, kernelSize: 3, rate: 2});
    tf.tidy(() => {
      const x = tf.randomNormal([1, 5, 6, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
      layer.apply(x); // builds
      const [k, b] = layer.getWeights();
      layer.setWeights([k, tf.tensor1d([1, -2])]);
      const y = layer.apply(x) as tf.Tensor;
      const expected = tf.add(reference(x, k as tf.Tensor4D, 2, false), tf.tensor1d([1, -2]));
      assert.ok(maxDiff(y, expected) < 1e-4);
      b.dispose();
    });
  });

  test('bad arguments are named', () => {
    assert.throws(() => new AtrousConv2D({name: 'a', filters: 2, kernelSize: 2, rate: 2}), /a: kernelSize must be an odd integer; got 2/);
    assert.throws(() => new AtrousConv2D({name: 'b', filters: 2, kernelSize: 3, rate: 0}), /b: rate must be a positive integer; got 0/);
    assert.throws(() => new AtrousConv2D({name: 'c', kernelSize: 3, rate: 2}), /c: filters must be a positive integer/);
  });

  test('no tensors leak from forward and backward passes', () => {
    const layer = new AtrousConv2D({filters: 2, kernelSize: 3, rate: 2});
    const x = tf.randomNormal([1, 7, 7, 2]) as tf.Tensor4D;
    tf.tidy(() => {
      layer.apply(x);
    });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      tf.tidy(() => {
        const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        const {grads} = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, vars);
        assert.equal(Object.keys(grads).length, 2);
      });
      assert.equal(tf.memory().numTensors, before);
    }
    layer.dispose();
    x.dispose();
  });
});

describe('atrousConv2d on the WASM backend (the training backend)', () => {
  test('forward and both gradients equal the cpu reference to 1e-4', async () => {
    const run = (): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor4d(Array.from({length: 2 * 9 * 7 * 3}, (_, i) => Math.sin(i)), [2, 9, 7, 3]);
        const k = tf.tensor4d(Array.from({length: 3 * 3 * 3 * 4}, (_, i) => Math.cos(i)), [3, 3, 3, 4]);
        const dk = tf.tensor4d(Array.from({length: 3 * 3 * 3}, (_, i) => Math.cos(2 * i)), [3, 3, 3, 1]);
        // Both routes: space-to-batch (rates 2, 3) and per-tap (rate 5 on a 9x7 map), regular and depthwise.
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Tensor =>
          tf.addN([
            tf.sum(tf.square(atrousConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, false, 'spaceToBatch'))),
            tf.sum(tf.square(atrousConv2d(a as tf.Tensor4D, c as tf.Tensor4D, 3, true, 'spaceToBatch'))),
            tf.sum(tf.square(atrousConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 5, false, 'taps'))),
            tf.sum(tf.square(atrousConv2d(a as tf.Tensor4D, c as tf.Tensor4D, 5, true, 'taps'))),
          ]);
        const y = atrousConv2d(x, k, 2);
        const grads = tf.grads(f)([x, k, dk]);
        return [y, ...grads].map((t) => t.dataSync() as Float32Array);
      });
    const expected = run();
    await tf.setBackend('wasm');
    installTrainingKernels('wasm');
    installDepthwiseTrainingKernels('wasm');
    let actual: Float32Array[];
    try {
      actual = run();
    } finally {
      await tf.setBackend('cpu');
    }
    expected.forEach((e, i) => {
      const scale = Math.max(1, ...Array.from(e, Math.abs));
      const worst = Math.max(...Array.from(e, (v, j) => Math.abs(v - actual[i][j])));
      assert.ok(worst <= 1e-4 * scale, `tensor ${i}: max difference ${worst} (scale ${scale})`);
    });
  });
});
