import * as assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/ladder';
import { createModel } from '../models/registry';
import { smallConfig } from '../models/testConfigs';
import { UNET_DEFAULTS } from '../models/unet/model';
import { Band, bandGeometry, bandShape, cutBand, padTop, planBands, reads, receptiveRadius, SplitAxis, stitchBands } from './bands';
import { BAND_CASES, logits, randomBatchNorms, relDiff, seededInput, Shape4 } from './bandTesting';
import { InferenceModel } from './fused';

before(async () => {
  await selectBackend({ prefer: 'wasm' });
});

/** Uniform-halo banded prediction in one thread: each band's input cut with its halo, its own rows kept. */
function predictBanded(model: InferenceModel, input: Float32Array, shape: Shape4, axis: SplitAxis, bands: readonly Band[]): { data: Float32Array; channels: number } {
  let channels = 0;
  const parts = bands.map((band) => {
    const r = logits(model, cutBand(input, shape, axis, band.inStart, band.inEnd), bandShape(shape, axis, band));
    channels = r.channels;
    return { band, data: r.data };
  });
  return { data: stitchBands(parts, [shape[0], shape[1], shape[2], channels], axis), channels };
}

/** Brute force: the largest row distance |y − r| at which a change of input row r changes output row y. */
function measuredRadius(model: tf.LayersModel, h: number, w: number, c: number): number {
  const shape: Shape4 = [1, h, w, c];
  const base = seededInput(shape, 1);
  const y0 = logits(model, base, shape).data;
  const perRow = y0.length / h;
  let radius = 0;
  for (let r = 0; r < h; r++) {
    const x = base.slice();
    for (let i = r * w * c; i < (r + 1) * w * c; i++) x[i] += 1;
    const y = logits(model, x, shape).data;
    for (let row = 0; row < h; row++) {
      for (let i = row * perRow; i < (row + 1) * perRow; i++) {
        if (Math.abs(y[i] - y0[i]) > 1e-5) {
          radius = Math.max(radius, Math.abs(row - r));
          break;
        }
      }
    }
  }
  return radius;
}

/** A small functional model from `build` (an input of `c` channels, any size); seeded glorot weights. */
function tiny(c: number, build: (x: tf.SymbolicTensor) => tf.SymbolicTensor): tf.LayersModel {
  const input = tf.input({ shape: [null, null, c] });
  return tf.model({ inputs: input, outputs: build(input) });
}

const L = tf.layers;
const conv = (filters: number, k: number, extra: object = {}) => L.conv2d({ filters, kernelSize: k, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: filters * 7 + k }), ...extra });
const ap = (x: tf.SymbolicTensor, layer: tf.layers.Layer) => layer.apply(x) as tf.SymbolicTensor;

describe('bandGeometry / receptiveRadius', () => {
  test('one 3x3 conv: radius 1, stride 1', () => {
    const m = tiny(1, (x) => ap(x, conv(2, 3)));
    assert.deepEqual(bandGeometry(m), { radius: 1, stride: 1 });
    assert.equal(measuredRadius(m, 8, 3, 1), 1);
  });

  // conv3 → pool 2 → conv3 (at half resolution) → nearest 2x. Output row y reads half-res row m = floor(y/2);
  // the conv reads m−1..m+1, the pool rows 2(m−1)..2(m+1)+1, the first conv one more each side:
  // rows 2m−3..2m+4, i.e. y−3..y+4 (y even) or y−4..y+3 (y odd): radius 4.
  test('conv + pool + conv + upsampling by hand: radius 4, stride 2', () => {
    const m = tiny(1, (x) => ap(ap(ap(ap(x, conv(2, 3)), L.averagePooling2d({ poolSize: 2 })), conv(2, 3)), L.upSampling2d({ size: [2, 2] })));
    assert.deepEqual(bandGeometry(m), { radius: 4, stride: 2 });
    assert.equal(measuredRadius(m, 24, 2, 1), 4);
  });

  // With bilinear 2x, output row y also reads half-res row m+1: rows 2m−3..2m+6, radius 6 (a bound: at even y
  // the weight of row m+1 is 0, so the measured radius is 5).
  test('bilinear upsampling reaches one more low-resolution row: radius 6', () => {
    const m = tiny(1, (x) => ap(ap(ap(ap(x, conv(2, 3)), L.averagePooling2d({ poolSize: 2 })), conv(2, 3)), L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' })));
    assert.equal(receptiveRadius(m), 6);
    assert.equal(measuredRadius(m, 24, 2, 1), 5);
  });

  // 2-level U-Net: conv3 (skip) → pool → conv3 → 2x2 up-conv → concat(skip) → conv3 → 1x1. The last conv reads
  // rows y−1..y+1; up-conv row r reads half-res row floor(r/2), whose conv reads ±1 half-res rows, whose pool
  // reads two rows, whose conv reads ±1: y = 2q gives y−5..y+4, y = 2q+1 gives y−4..y+5: radius 5.
  test('2-level U-Net by hand: radius 5, stride 2', () => {
    const m = tiny(1, (x) => {
      const skip = ap(x, conv(2, 3));
      const low = ap(ap(skip, L.averagePooling2d({ poolSize: 2 })), conv(3, 3));
      const up = ap(low, L.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2, padding: 'valid' }));
      const cat = L.concatenate().apply([skip, up]) as tf.SymbolicTensor;
      return ap(ap(cat, conv(2, 3)), conv(2, 1));
    });
    assert.deepEqual(bandGeometry(m), { radius: 5, stride: 2 });
    assert.equal(measuredRadius(m, 24, 2, 1), 5);
  });

  test('strided conv with explicit zero padding (ResNet stem style) back to full size', () => {
    // pad 1 + valid 3x3 stride 2: half-res j reads rows 2j−1..2j+1; nearest 2x: y reads j = floor(y/2), so
    // y even reads y−1..y+1 and y odd reads y−2..y: radius 2.
    const m = tiny(1, (x) => ap(ap(ap(x, L.zeroPadding2d({ padding: [[1, 1], [1, 1]] })), conv(2, 3, { strides: 2, padding: 'valid' })), L.upSampling2d({ size: [2, 2] })));
    assert.deepEqual(bandGeometry(m), { radius: 2, stride: 2 });
    assert.equal(measuredRadius(m, 16, 2, 1), 2);
  });

  test('global pooling, dense, valid convs and lower-resolution outputs are unbounded (null)', () => {
    const global = tiny(1, (x) => ap(ap(ap(x, conv(4, 3)), L.globalAveragePooling2d({})), L.dense({ units: 2 })));
    const valid = tiny(1, (x) => ap(x, conv(2, 3, { padding: 'valid' })));
    const half = tiny(1, (x) => ap(x, conv(2, 3, { strides: 2 })));
    const validUnet = createModel({ ...UNET_DEFAULTS, inChannels: 1, classes: 2, baseFilters: 2, encoderDepth: 2, padding: 'valid' });
    const deeplab = createModel(smallConfig('deeplabv3', 'resnet18', 3)); // ASPP's image-pooling branch
    for (const m of [global, valid, half, validUnet, deeplab]) assert.equal(receptiveRadius(m), null, m.name);
    for (const m of [validUnet, deeplab]) m.dispose();
  });
});

describe('padTop / reads (TF padding rules by hand)', () => {
  const k3s2 = { kind: 'window', k: 3, st: 2, padding: 'same' } as const;
  const k5s2 = { kind: 'window', k: 5, st: 2, padding: 'same' } as const;
  test("'same' pads (out − 1)·st + k − n in total, the smaller half above", () => {
    // n 34: out 17, total 16·2 + 3 − 34 = 1 → 0 above; n 35: out 18, total 2 → 1 above; k 5, n 34: total 3 → 1.
    assert.deepEqual([padTop(k3s2, 34), padTop(k3s2, 35), padTop(k5s2, 34)], [0, 1, 1]);
    assert.deepEqual(reads(k5s2, 3, 34), [5, 9]);
    assert.equal(padTop({ kind: 'window', k: 3, st: 1, padding: 'valid' }, 34), 0);
  });
  test('up-convolutions, upsampling and padding', () => {
    // 2x2 stride-2 up-conv: output 5 is tap 1 of input 2; nearest 2x reads floor(j/2); bilinear one more.
    assert.deepEqual(reads({ kind: 'transpose', k: 2, st: 2, padding: 'valid' }, 5, 10), [2, 2]);
    assert.deepEqual(reads({ kind: 'upsample', f: 2, before: 0, after: 1 }, 5, 10), [2, 3]);
    assert.deepEqual(reads({ kind: 'pad', t: 3, e: 3 }, 5, 10), [2, 2]);
  });
});

describe('planBands', () => {
  test('two bands of 4 stride blocks each, halo 20 rounded up to 32', () => {
    assert.deepEqual(planBands(128, 16, 20), [
      { inStart: 0, inEnd: 96, outStart: 0, outEnd: 64 },
      { inStart: 32, inEnd: 128, outStart: 64, outEnd: 128 },
    ]);
  });

  test('an odd number of blocks: the second band gets the extra block', () => {
    assert.deepEqual(planBands(48, 16, 0), [
      { inStart: 0, inEnd: 16, outStart: 0, outEnd: 16 },
      { inStart: 16, inEnd: 48, outStart: 16, outEnd: 48 },
    ]);
  });

  test('a halo larger than a band reads the whole image for each band', () => {
    assert.deepEqual(planBands(64, 16, 100), [
      { inStart: 0, inEnd: 64, outStart: 0, outEnd: 32 },
      { inStart: 0, inEnd: 64, outStart: 32, outEnd: 64 },
    ]);
  });

  test('one part, or fewer blocks than parts', () => {
    assert.deepEqual(planBands(64, 16, 5, 1), [{ inStart: 0, inEnd: 64, outStart: 0, outEnd: 64 }]);
    assert.deepEqual(planBands(32, 16, 0, 4).map((b) => [b.outStart, b.outEnd]), [[0, 16], [16, 32]]);
  });

  test('bad sizes name the problem', () => {
    assert.throws(() => planBands(100, 16, 0), /length 100 is not a multiple of the stride 16/);
    assert.throws(() => planBands(64, 16, -1), /radius must be a whole number >= 0, got -1/);
    assert.throws(() => planBands(64, 16, 0, 0), /parts must be a whole number >= 1/);
  });
});

describe('cutBand / stitchBands', () => {
  // A 1x4x2x1 image holding 0..7: rows [0 1] [2 3] [4 5] [6 7].
  const img = Float32Array.from({ length: 8 }, (_, i) => i);
  const shape: Shape4 = [1, 4, 2, 1];

  test('cuts rows and columns', () => {
    assert.deepEqual([...cutBand(img, shape, 1, 1, 3)], [2, 3, 4, 5]);
    assert.deepEqual([...cutBand(img, shape, 2, 1, 2)], [1, 3, 5, 7]);
    assert.throws(() => cutBand(img, shape, 1, 2, 5), /\[2, 5\) is outside 0\.\.4/);
  });

  test('stitching the kept part of identity "predictions" gives the image back, on either axis', () => {
    for (const [axis, len] of [[1, 4], [2, 2]] as [SplitAxis, number][]) {
      const bands = planBands(len, 1, 1);
      const parts = bands.map((band) => ({ band, data: cutBand(img, shape, axis, band.inStart, band.inEnd) }));
      assert.deepEqual([...stitchBands(parts, shape, axis)], [...img], `axis ${axis}`);
    }
  });

  test('a band of the wrong size is refused', () => {
    const band: Band = { inStart: 0, inEnd: 2, outStart: 0, outEnd: 2 };
    assert.throws(() => stitchBands([{ band, data: new Float32Array(3) }], shape, 1), /has 3 values, expected 4/);
  });
});

/** Banded logits equal the whole-image logits with the model's radius as halo, and differ with no halo. */
function checkBanded(name: string, model: tf.LayersModel, shape: Shape4, axis: SplitAxis): void {
  const geo = bandGeometry(model, axis);
  assert.ok(geo, `${name}: radius should be finite`);
  const fused = new InferenceModel(model);
  try {
    const input = seededInput(shape, 3);
    const whole = logits(fused, input, shape);
    const bands = planBands(shape[axis], geo.stride, geo.radius);
    assert.ok(bands.length === 2 && bands[0].inEnd < shape[axis] && bands[1].inStart > 0, `${name}: the bands must really be cut (${JSON.stringify(bands)})`);
    const before = tf.memory().numTensors;
    const banded = predictBanded(fused, input, shape, axis, bands);
    assert.equal(tf.memory().numTensors, before, `${name}: tensors leaked`);
    assert.equal(banded.channels, whole.channels);
    const d = relDiff(banded.data, whole.data);
    assert.ok(d <= 1e-4, `${name}: banded differs from whole by ${d}`);
    const naive = predictBanded(fused, input, shape, axis, planBands(shape[axis], geo.stride, 0));
    assert.ok(relDiff(naive.data, whole.data) > 1e-3, `${name}: bands without a halo should differ (the test could not fail)`);
  } finally {
    fused.dispose();
  }
}

describe('banded prediction with a halo of the receptive radius equals whole-image prediction', () => {
  for (const [name, cfg, shape, axis] of BAND_CASES) {
    test(name, () => {
      const model = randomBatchNorms(createModel(cfg), 11);
      try {
        checkBanded(name, model, shape, axis);
      } finally {
        model.dispose();
      }
    });
  }
});
