import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {LovaszOptions, lovaszSoftmaxLoss} from './lovasz';
import {close, closeAll, numericGrad, rng, softmax64, valueAndGrad} from './testUtil';

/** The authors' lovasz_grad on a sorted 0/1 array. */
function lovaszGrad(gtSorted: number[]): number[] {
  const gts = gtSorted.reduce((a, b) => a + b, 0);
  let cumFg = 0;
  let cumBg = 0;
  const jaccard = gtSorted.map((g) => {
    cumFg += g;
    cumBg += 1 - g;
    return 1 - (gts - cumFg) / (gts + cumBg);
  });
  return jaccard.map((j, i) => (i === 0 ? j : j - jaccard[i - 1]));
}

/** lovasz_softmax_flat: ignored pixels filtered out, classes 'present' skip absent ones, empty mean = 0. */
function flat(p: number[], y: number[], classes: number, mode: 'present' | 'all'): number {
  const keep = y.map((v, i) => (v === 255 ? -1 : i)).filter((i) => i >= 0);
  if (keep.length === 0) return 0;
  const losses: number[] = [];
  for (let c = 0; c < classes; c++) {
    const fg = keep.map((i) => (y[i] === c ? 1 : 0));
    if (mode === 'present' && fg.every((v) => v === 0)) continue;
    const errors = keep.map((i, k) => Math.abs(fg[k] - p[i * classes + c]));
    const order = errors.map((_, k) => k).sort((a, b) => errors[b] - errors[a]);
    const g = lovaszGrad(order.map((k) => fg[k]));
    losses.push(order.reduce((s, k, r) => s + errors[k] * g[r], 0));
  }
  return losses.length ? losses.reduce((a, b) => a + b, 0) / losses.length : 0;
}

function reference(logits: number[], y: number[], n: number, classes: number, opts: LovaszOptions): number {
  const p = softmax64(logits, classes);
  const mode = opts.classes ?? 'present';
  if (!opts.perImage) return flat(p, y, classes, mode);
  const per = y.length / n;
  let sum = 0;
  for (let b = 0; b < n; b++) sum += flat(p.slice(b * per * classes, (b + 1) * per * classes), y.slice(b * per, (b + 1) * per), classes, mode);
  return sum / n;
}

describe('lovaszSoftmaxLoss values', () => {
  test('two pixels by hand: both classes have errors 1/4 -> loss 1/4', () => {
    // Pixel A label 0, p = [3/4, 1/4]; pixel B label 1, p = [1/4, 3/4]. Class 0: errors [1/4, 1/4], the Lovász
    // weights of either order sum to 1 over the two equal errors -> 1/4; class 1 likewise.
    const v = tf.tidy(() => {
      const x = tf.tensor4d([Math.log(3), 0, 0, Math.log(3)], [1, 1, 2, 2]);
      return lovaszSoftmaxLoss(x, tf.tensor3d([0, 1], [1, 1, 2], 'int32')).dataSync()[0];
    });
    close(v, 1 / 4, 1e-6);
  });

  test('a confident correct prediction gives 0', () => {
    const v = tf.tidy(() => lovaszSoftmaxLoss(tf.tensor4d([50, -50, -50, 50], [1, 1, 2, 2]), tf.tensor3d([0, 1], [1, 1, 2], 'int32')).dataSync()[0]);
    close(v, 0, 1e-6);
  });

  test('value and gradient match the authors’ algorithm (per batch / per image, present / all, ignore)', () => {
    const next = rng(41);
    const [n, h, w, c] = [2, 3, 4, 3];
    const logits = Array.from({length: n * h * w * c}, () => 4 * next() - 2);
    const y = Array.from({length: n * h * w}, (_, i) => (i % 7 === 3 ? 255 : i < h * w ? Math.floor(next() * 2) : Math.floor(next() * 3)));
    for (const perImage of [false, true]) {
      for (const classes of ['present', 'all'] as const) {
        const opts = {perImage, classes};
        const got = tf.tidy(() => {
          const yt = tf.tensor3d(y, [n, h, w], 'int32');
          return valueAndGrad((l) => lovaszSoftmaxLoss(l, yt, opts), tf.tensor4d(logits, [n, h, w, c]));
        });
        const label = JSON.stringify(opts);
        close(got.value, reference(logits, y, n, c, opts), 1e-6, label);
        closeAll(got.grad, numericGrad((l) => reference(l, y, n, c, opts), logits), 1e-5, label);
      }
    }
  });

  test('an all-ignored image counts 0 in the per-image mean', () => {
    const next = rng(43);
    const logits = Array.from({length: 2 * 1 * 3 * 2}, () => 2 * next() - 1);
    const y = [0, 1, 1, 255, 255, 255];
    const v = tf.tidy(() => lovaszSoftmaxLoss(tf.tensor4d(logits, [2, 1, 3, 2]), tf.tensor3d(y, [2, 1, 3], 'int32'), {perImage: true}).dataSync()[0]);
    close(v, reference(logits, y, 2, 2, {perImage: true}), 1e-6);
    const first = reference(logits.slice(0, 6), y.slice(0, 3), 1, 2, {});
    close(v, first / 2, 1e-6);
  });
});

describe('lovaszSoftmaxLoss errors', () => {
  test('bad options are explained', () => {
    tf.tidy(() => {
      const x = tf.zeros([1, 1, 2, 2]);
      const y = tf.zeros([1, 1, 2], 'int32');
      assert.throws(() => lovaszSoftmaxLoss(x, y, {perImage: 'yes' as unknown as boolean}), /perImage must be true or false; got "yes"/);
      assert.throws(() => lovaszSoftmaxLoss(x, y, {classes: 'some' as 'all'}), /lovaszSoftmaxLoss: classes must be 'present' or 'all'/);
    });
  });
});
