import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { classAndConfidence, classShares, perImageIoU } from './iou';

test('perImageIoU on a hand-made 8-pixel case (one ignored pixel, one class absent)', () => {
  const pred = [0, 0, 1, 1, 0, 1, 1, 2];
  const gt = [0, 1, 1, 1, 255, 1, 0, 0];
  // class 0: ∩ {0}, ∪ {0,1,6,7} → 1/4; class 1: ∩ {2,3,5}, ∪ {1,2,3,5,6} → 3/5; class 2: ∩ {}, ∪ {7} → 0; class 3 absent.
  assert.deepEqual(perImageIoU(pred, gt, 4, 255), [0.25, 0.6, 0, null]);
});

test('perImageIoU counts a predicted class on an ignored pixel nowhere', () => {
  assert.deepEqual(perImageIoU([1, 1], [255, 0], 2, 255), [0, 0]);
  assert.deepEqual(perImageIoU([1], [255], 2, 255), [null, null]);
});

test('perImageIoU rejects arrays of different sizes', () => {
  assert.throws(() => perImageIoU([0, 1], [0], 2, 255), /prediction has 2 pixels but ground truth has 1/);
});

test('classAndConfidence from logits: argmax and its softmax probability on 0-255', () => {
  // [0, ln 3]: p = 3/4 → 191.25 → 191; a tie [2, 2]: the first class, p = 1/2 → 127.5 → 128.
  const { pred, confidence } = classAndConfidence(Float32Array.from([0, Math.log(3), 2, 2]), 2, 'logits');
  assert.deepEqual([...pred], [1, 0]);
  assert.deepEqual([...confidence], [191, 128]);
});

test('classAndConfidence from averaged probabilities takes the largest value', () => {
  const { pred, confidence } = classAndConfidence(Float32Array.from([0.125, 0.75, 0.125, 1, 0, 0]), 3, 'probabilities');
  assert.deepEqual([...pred], [1, 0]);
  assert.deepEqual([...confidence], [191, 255]);
});

test('classAndConfidence rejects a length that is not a multiple of the classes', () => {
  assert.throws(() => classAndConfidence(new Float32Array(5), 2, 'logits'), /5 values are not a multiple of 2 classes/);
});

test('classShares: fraction of pixels per class', () => {
  assert.deepEqual(classShares([0, 1, 1, 2], 4), [0.25, 0.5, 0.25, 0]);
});
