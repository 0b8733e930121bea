import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {focalLoss} from './focal';
import {unet3PlusLoss} from './hybrid';
import {msSsimLoss} from './msssim';
import {softIoULoss} from './softIoU';
import {close, rng} from './testUtil';

describe('unet3PlusLoss', () => {
  test('is focal + MS-SSIM + IoU with the options passed through', () => {
    const next = rng(61);
    const logits = Array.from({length: 2 * 6 * 5 * 3}, () => 4 * next() - 2);
    const y = Array.from({length: 60}, (_, i) => (i % 11 === 0 ? 255 : Math.floor(next() * 3)));
    tf.tidy(() => {
      const x = tf.tensor4d(logits, [2, 6, 5, 3]);
      const yt = tf.tensor3d(y, [2, 6, 5], 'int32');
      const opts = {gamma: 1, alpha: [1, 2, 3], smooth: 0.5, classes: 'all' as const};
      const parts = [
        focalLoss(x, yt, {gamma: 1, alpha: [1, 2, 3]}),
        msSsimLoss(x, yt),
        softIoULoss(x, yt, {smooth: 0.5, classes: 'all'}),
      ].map((t) => t.dataSync()[0]);
      assert.ok(parts.every((p) => p > 0.01), `every part must count: ${parts}`);
      close(unet3PlusLoss(x, yt, opts).dataSync()[0], parts[0] + parts[1] + parts[2], 1e-5);
    });
  });

  test('confident correct logits give 0 for every part', () => {
    const y = [0, 1, 1, 0, 0, 1];
    const logits = y.flatMap((c) => (c === 0 ? [100, -100] : [-100, 100]));
    const v = tf.tidy(() => unet3PlusLoss(tf.tensor4d(logits, [1, 2, 3, 2]), tf.tensor3d(y, [1, 2, 3], 'int32'), {smooth: 0}).dataSync()[0]);
    close(v, 0, 1e-6);
  });
});
