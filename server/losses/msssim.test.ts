import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {MS_SSIM_WEIGHTS, downsample2, gaussianWindow, msSsim, msSsimLoss} from './msssim';
import {close, closeAll, numericGrad, rng, softmax64, valueAndGrad} from './testUtil';

type Map2 = number[][];
const C1 = 0.0001;
const C2 = 0.0009;

/** Direct 'valid' Gaussian filtering with the 2-D window g g^T. */
function blurRef(m: Map2, size: number): Map2 {
  const g = gaussianWindow(size);
  const out: Map2 = [];
  for (let y = 0; y + size <= m.length; y++) {
    const row: number[] = [];
    for (let x = 0; x + size <= m[0].length; x++) {
      let s = 0;
      for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) s += g[i] * g[j] * m[y + i][x + j];
      row.push(s);
    }
    out.push(row);
  }
  return out;
}

const mapOf = (a: Map2, b: Map2, f: (u: number, v: number) => number): Map2 => a.map((r, y) => r.map((u, x) => f(u, b[y][x])));
const meanOf = (m: Map2): number => m.flat().reduce((s, v) => s + v, 0) / m.flat().length;

function downRef(m: Map2): Map2 {
  const rows = m.length % 2 ? [...m, m[m.length - 1]] : m;
  const padded = rows.map((r) => (r.length % 2 ? [...r, r[r.length - 1]] : r));
  const out: Map2 = [];
  for (let y = 0; y < padded.length; y += 2) {
    const row: number[] = [];
    for (let x = 0; x < padded[0].length; x += 2) row.push((padded[y][x] + padded[y][x + 1] + padded[y + 1][x] + padded[y + 1][x + 1]) / 4);
    out.push(row);
  }
  return out;
}

/** MS-SSIM of two maps, float64, written from the definition. */
function msSsimRef(a: Map2, b: Map2): number {
  let result = 1;
  for (let s = 0; s < 5; s++) {
    const size = Math.min(11, a.length, a[0].length);
    const ma = blurRef(a, size);
    const mb = blurRef(b, size);
    const saa = mapOf(blurRef(mapOf(a, a, (u, v) => u * v), size), ma, (e, m) => e - m * m);
    const sbb = mapOf(blurRef(mapOf(b, b, (u, v) => u * v), size), mb, (e, m) => e - m * m);
    const eab = blurRef(mapOf(a, b, (u, v) => u * v), size);
    const cs = eab.map((r, y) => r.map((e, x) => (2 * (e - ma[y][x] * mb[y][x]) + C2) / (saa[y][x] + sbb[y][x] + C2)));
    const l = ma.map((r, y) => r.map((m, x) => (2 * m * mb[y][x] + C1) / (m * m + mb[y][x] ** 2 + C1)));
    const term = s === 4 ? meanOf(mapOf(l, cs, (u, v) => u * v)) : meanOf(cs);
    result *= Math.max(term, 1e-6) ** MS_SSIM_WEIGHTS[s];
    a = downRef(a);
    b = downRef(b);
  }
  return result;
}

/** Channel `c` of image `n` of a flat NHWC array as a 2-D map. */
function channel(flat: ArrayLike<number>, [, h, w, cs]: number[], n: number, c: number): Map2 {
  return Array.from({length: h}, (_, y) => Array.from({length: w}, (_, x) => flat[((n * h + y) * w + x) * cs + c]));
}

describe('msSsim', () => {
  test('Gaussian window: 11 taps summing to 1, symmetric, sigma 1.5', () => {
    const g = gaussianWindow(11);
    close(g.reduce((a, b) => a + b, 0), 1, 1e-12);
    assert.equal(g[0], g[10]);
    close(g[5] / g[4], Math.exp(1 / 4.5), 1e-12);
  });

  test('downsample2 pads an odd side with its last row/column', () => {
    const out = tf.tidy(() => Array.from(downsample2(tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1])).dataSync()));
    assert.deepEqual(out, [3, 4.5, 7.5, 9]);
  });

  test('identical inputs give exactly 1', () => {
    const next = rng(51);
    const values = Array.from({length: 2 * 17 * 23 * 3}, () => next());
    const out = tf.tidy(() => {
      const a = tf.tensor4d(values, [2, 17, 23, 3]);
      return [...msSsim(a, a).dataSync(), ...msSsim(a, tf.tensor4d(values, [2, 17, 23, 3])).dataSync()];
    });
    assert.equal(out.length, 12);
    assert.ok(out.every((v) => v === 1), `${out}`);
  });

  test('constant images: only the last luminance term is left, l^0.1333', () => {
    const v = tf.tidy(() => msSsim(tf.fill([1, 12, 12, 1], 0.2), tf.fill([1, 12, 12, 1], 0.7)).dataSync()[0]);
    const l = (2 * 0.2 * 0.7 + C1) / (0.04 + 0.49 + C1);
    close(v, l ** 0.1333, 1e-5);
  });

  test('matches the float64 definition on random 2x20x23x2 inputs', () => {
    const next = rng(53);
    const shape = [2, 20, 23, 2];
    const a = Array.from({length: 2 * 20 * 23 * 2}, () => next());
    const b = a.map((v) => Math.min(1, Math.max(0, v + 0.3 * (next() - 0.5))));
    const got = tf.tidy(() => Array.from(msSsim(tf.tensor4d(a, shape as [number, number, number, number]), tf.tensor4d(b, shape as [number, number, number, number])).dataSync()));
    const expected = [0, 1].flatMap((n) => [0, 1].map((c) => msSsimRef(channel(a, shape, n, c), channel(b, shape, n, c))));
    closeAll(got, expected, 1e-5);
  });

  test('shape mismatch is explained', () => {
    tf.tidy(() => assert.throws(() => msSsim(tf.zeros([1, 4, 4, 2]), tf.zeros([1, 4, 4, 3])), /two \[N,H,W,C\] tensors of one shape; got \[1,4,4,2\] and \[1,4,4,3\]/));
  });
});

describe('msSsimLoss', () => {
  test('confident correct logits give exactly 0', () => {
    const y = [0, 1, 1, 0, 2, 2, 1, 0, 0, 1, 2, 0];
    const logits = y.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 100 : -100)));
    const v = tf.tidy(() => msSsimLoss(tf.tensor4d(logits, [1, 3, 4, 3]), tf.tensor3d(y, [1, 3, 4], 'int32')).dataSync()[0]);
    assert.equal(v, 0);
  });

  test('value and gradient match the float64 definition, ignored pixels zeroed in both', () => {
    const next = rng(57);
    const [h, w, c] = [9, 8, 2];
    const logits = Array.from({length: h * w * c}, () => 3 * next() - 1.5);
    const y = Array.from({length: h * w}, (_, i) => (i % 9 === 2 ? 255 : Math.floor(next() * 2)));
    const reference = (l: number[]): number => {
      const p = softmax64(l, c).map((v, i) => (y[Math.floor(i / c)] === 255 ? 0 : v));
      const g = y.flatMap((label) => [0, 1].map((k) => (label === k ? 1 : 0)));
      return 1 - (msSsimRef(channel(p, [1, h, w, c], 0, 0), channel(g, [1, h, w, c], 0, 0)) + msSsimRef(channel(p, [1, h, w, c], 0, 1), channel(g, [1, h, w, c], 0, 1))) / 2;
    };
    const got = tf.tidy(() => {
      const yt = tf.tensor3d(y, [1, h, w], 'int32');
      return valueAndGrad((l) => msSsimLoss(l, yt), tf.tensor4d(logits, [1, h, w, c]));
    });
    close(got.value, reference(logits), 1e-5);
    const numeric = numericGrad(reference, logits);
    const scale = Math.max(...numeric.map(Math.abs));
    closeAll(got.grad, numeric, 2e-3 * scale);
    assert.ok(scale > 1e-3, 'the gradient must not be trivially 0');
  });
});
