import * as assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/ladder';
import { createModel } from '../models/registry';
import { smallConfig } from '../models/testConfigs';
import { bandGeometry, bandShape, cutBand, planBands, SplitAxis, stitchBands } from './bands';
import { BAND_CASES, logits, randomBatchNorms, relDiff, seededInput, Shape4 } from './bandTesting';
import { BandExecutor } from './cropped';
import { InferenceModel } from './fused';

before(async () => {
  await selectBackend({ prefer: 'wasm' });
});

const L = tf.layers;

/** Both bands of `shape` through `exec`, each from exactly the input rows it asks for, stitched. */
function predictCropped(exec: BandExecutor, input: Float32Array, shape: Shape4, axis: SplitAxis, spoilContext = false): Float32Array {
  const len = shape[axis];
  const parts = planBands(len, exec.stride, 0).map(({ outStart, outEnd }) => {
    const [i0, i1] = exec.inputRange(len, outStart, outEnd);
    const cut = cutBand(input, shape, axis, i0, i1);
    const bs = bandShape(shape, axis, { inStart: i0, inEnd: i1, outStart, outEnd });
    if (spoilContext) {
      // The context rows the executor asked for (outside the band's own rows) get other values.
      const index = Float32Array.from(input, (_, i) => i);
      const own = new Set(cutBand(index, shape, axis, outStart, outEnd));
      cutBand(index, shape, axis, i0, i1).forEach((idx, i) => !own.has(idx) && (cut[i] += 5));
    }
    const y = tf.tidy(() => exec.predict(tf.tensor4d(cut, bs), i0, len, outStart, outEnd));
    const data = y.dataSync() as Float32Array;
    y.dispose();
    return { band: { inStart: outStart, inEnd: outEnd, outStart, outEnd }, data };
  });
  const channels = parts[0].data.length / (parts[0].band.inEnd - parts[0].band.inStart) / (shape[0] * shape[1] * shape[2] / len);
  return stitchBands(parts, [shape[0], shape[1], shape[2], channels], axis);
}

describe('BandExecutor', () => {
  for (const [name, cfg, shape, axis] of BAND_CASES) {
    test(`${name}: both bands equal the whole-image logits, from no more input than the receptive radius`, () => {
      const model = randomBatchNorms(createModel(cfg), 11);
      const fused = new InferenceModel(model);
      try {
        const exec = BandExecutor.create(model, fused.plan, axis);
        assert.ok(exec, `${name}: should be banded`);
        const geo = bandGeometry(model, axis)!;
        const len = shape[axis];
        for (const b of planBands(len, exec.stride, geo.radius)) {
          const [i0, i1] = exec.inputRange(len, b.outStart, b.outEnd);
          assert.ok(i0 >= b.inStart && i1 <= b.inEnd && i0 <= b.outStart && i1 >= b.outEnd, `${name}: input [${i0}, ${i1}) for ${JSON.stringify(b)}`);
        }
        const input = seededInput(shape, 3);
        const whole = logits(fused, input, shape).data;
        const before = tf.memory().numTensors;
        const banded = predictCropped(exec, input, shape, axis);
        assert.equal(tf.memory().numTensors, before, `${name}: tensors leaked`);
        const d = relDiff(banded, whole);
        assert.ok(d <= 1e-5, `${name}: banded differs from whole by ${d}`);
        const spoilt = predictCropped(exec, input, shape, axis, true);
        assert.ok(relDiff(spoilt, whole) > 1e-4, `${name}: with other context rows the bands should differ (the test could not fail)`);
      } finally {
        fused.dispose();
        model.dispose();
      }
    });
  }

  test('runs an unfolded model layer by layer (no BatchNorm: no InferenceModel plan)', () => {
    const input = tf.input({ shape: [null, null, 1] });
    const conv = (f: number, k: number, s = 1) => L.conv2d({ filters: f, kernelSize: k, strides: s, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: f + k }) });
    const x1 = conv(3, 3).apply(input) as tf.SymbolicTensor;
    const low = conv(4, 3).apply(conv(4, 3, 2).apply(x1) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const up = L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }).apply(low) as tf.SymbolicTensor;
    const out = conv(2, 1).apply(L.add().apply([up, conv(4, 1).apply(x1) as tf.SymbolicTensor]) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const fused = new InferenceModel(model);
    assert.equal(fused.plan, null);
    const exec = BandExecutor.create(model, null, 1)!;
    const shape: Shape4 = [1, 40, 6, 1];
    const x = seededInput(shape, 8);
    assert.ok(relDiff(predictCropped(exec, x, shape, 1), logits(model, x, shape).data) <= 1e-5);
    model.dispose();
  });

  test("strided 'same' convs and pooling: crops keep the stride grid and the padding of the whole pass", () => {
    // k5 / k3 stride-2 'same' layers pad 1 above (or 0, by the input's parity): crops must start on the stride
    // and keep the whole input's length parity, or every output row shifts.
    const input = tf.input({ shape: [null, null, 1] });
    const conv = (f: number, k: number, s = 1) => L.conv2d({ filters: f, kernelSize: k, strides: s, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 * f + k + s }) });
    const x1 = conv(3, 3).apply(input) as tf.SymbolicTensor;
    const half = conv(4, 5, 2).apply(x1) as tf.SymbolicTensor;
    const quarter = conv(4, 3).apply(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(half) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const odd = conv(4, 3, 2).apply(conv(4, 3).apply(half) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const up = L.upSampling2d({ size: [4, 4] }).apply(L.add().apply([quarter, odd]) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const out = conv(2, 1).apply(L.add().apply([up, conv(4, 1).apply(x1) as tf.SymbolicTensor]) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const exec = BandExecutor.create(model, null, 1)!;
    for (const rows of [64, 68]) {
      const shape: Shape4 = [1, rows, 8, 1];
      const x = seededInput(shape, rows);
      const parts = [[0, 29], [29, 47], [47, rows]].map(([o0, o1]) => {
        const [i0, i1] = exec.inputRange(rows, o0, o1);
        const y = tf.tidy(() => exec.predict(tf.tensor4d(cutBand(x, shape, 1, i0, i1), [1, i1 - i0, 8, 1]), i0, rows, o0, o1));
        const data = y.dataSync() as Float32Array;
        y.dispose();
        return { band: { inStart: o0, inEnd: o1, outStart: o0, outEnd: o1 }, data };
      });
      const d = relDiff(stitchBands(parts, [1, rows, 8, 2], 1), logits(model, x, shape).data);
      assert.ok(d <= 1e-5, `${rows} rows: bands differ from whole by ${d}`);
    }
    model.dispose();
  });

  test('too little input, odd lengths and unbounded models are refused', () => {
    const model = createModel(smallConfig('unet', 'resnet18', 3));
    const exec = BandExecutor.create(model, null, 1)!;
    const [i0, i1] = exec.inputRange(64, 0, 32);
    assert.equal(i0, 0);
    assert.throws(() => tf.tidy(() => exec.predict(tf.zeros([1, i1 - 1, 8, 2]), 0, 64, 0, 32)), new RegExp(`covers rows \\[0, ${i1 - 1}\\) but output rows \\[0, 32\\) need \\[0, ${i1}\\)`));
    assert.throws(() => exec.inputRange(60, 0, 32), /input length \(60\) to be a multiple of the model's stride 8/);
    assert.equal(BandExecutor.create(createModel(smallConfig('deeplabv3', 'resnet18', 3)), null, 1), null);
    model.dispose();
  });
});
