import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {ConfusionMatrix, nanmean} from './confusionMatrix';

const close = (actual: number, expected: number, msg?: string): void =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${msg ?? ''} expected ${expected}, got ${actual}`);

// A 3-class case checkable on paper. Rows = gt, columns = pred:
//   gt0: [2, 1, 1]   gt1: [1, 2, 0]   gt2: [0, 1, 2]
// TP = [2, 2, 2], gt sums = [4, 3, 3], pred sums = [3, 4, 3].
const GT = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
const PRED = Uint8Array.from([0, 0, 1, 2, 1, 1, 0, 2, 2, 1]);

describe('ConfusionMatrix', () => {
  test('3-class matrix and scores by hand', () => {
    const cm = new ConfusionMatrix(3).update(PRED, GT);
    assert.deepEqual(cm.toJSON().matrix, [
      [2, 1, 1],
      [1, 2, 0],
      [0, 1, 2],
    ]);
    // IoU = TP / (gt + pred - TP): 2/5, 2/5, 2/4.
    const iou = cm.perClassIoU();
    [2 / 5, 2 / 5, 1 / 2].forEach((v, c) => close(iou[c], v, `IoU ${c}`));
    close(cm.mIoU(), (2 / 5 + 2 / 5 + 1 / 2) / 3, 'mIoU');
    close(cm.pixelAccuracy(), 6 / 10, 'pixel accuracy');
    close(cm.meanClassAccuracy(), (2 / 4 + 2 / 3 + 2 / 3) / 3, 'mean class accuracy');
    const dice = cm.perClassDice();
    [4 / 7, 4 / 7, 4 / 6].forEach((v, c) => close(dice[c], v, `Dice ${c}`));
    assert.equal(cm.total, 10);
  });

  test('ignored pixels are excluded whatever was predicted there', () => {
    const gt = Uint8Array.from([...GT, 255, 255, 255]);
    const pred = Uint8Array.from([...PRED, 0, 1, 2]);
    const cm = new ConfusionMatrix(3).update(pred, gt);
    assert.equal(cm.total, 10);
    close(cm.mIoU(), (2 / 5 + 2 / 5 + 1 / 2) / 3);
    const custom = new ConfusionMatrix(3, 7).update(Uint8Array.from([0, 2]), Uint8Array.from([7, 1]));
    assert.equal(custom.total, 1);
    assert.equal(custom.count(1, 2), 1);
  });

  test('a class absent from gt and predictions is NaN and left out of the means', () => {
    const cm = new ConfusionMatrix(4).update(PRED, GT);
    const iou = cm.perClassIoU();
    assert.ok(Number.isNaN(iou[3]));
    assert.ok(Number.isNaN(cm.perClassDice()[3]));
    close(cm.mIoU(), (2 / 5 + 2 / 5 + 1 / 2) / 3);
    close(cm.meanClassAccuracy(), (2 / 4 + 2 / 3 + 2 / 3) / 3);
    const json = JSON.parse(JSON.stringify(cm));
    assert.equal(json.perClassIoU[3], null);
  });

  test('a class only predicted (false positives) has IoU 0 and counts in mIoU, not in class accuracy', () => {
    // gt all 0; pred: two 0s, one 1. Class 0: TP 2, FN 1 -> 2/3; class 1: TP 0, FP 1 -> 0.
    const cm = new ConfusionMatrix(2).update(Uint8Array.from([0, 0, 1]), Uint8Array.from([0, 0, 0]));
    assert.deepEqual(cm.perClassIoU(), [2 / 3, 0]);
    close(cm.mIoU(), 1 / 3);
    close(cm.meanClassAccuracy(), 2 / 3);
  });

  test('empty matrix gives NaN scores and null in JSON', () => {
    const cm = new ConfusionMatrix(2);
    assert.ok(Number.isNaN(cm.mIoU()) && Number.isNaN(cm.pixelAccuracy()));
    assert.equal(cm.toJSON().mIoU, null);
    assert.ok(Number.isNaN(nanmean([NaN])));
  });

  test('merge of two halves equals one pass; reset clears', () => {
    const whole = new ConfusionMatrix(3).update(PRED, GT);
    const a = new ConfusionMatrix(3).update(PRED.subarray(0, 4), GT.subarray(0, 4));
    const b = new ConfusionMatrix(3).update(PRED.subarray(4), GT.subarray(4));
    assert.deepEqual(a.merge(b).toJSON(), whole.toJSON());
    assert.equal(whole.reset().total, 0);
    assert.throws(() => a.merge(new ConfusionMatrix(4)), /cannot merge 4 classes/);
  });

  test('bad input is rejected with a message naming the value', () => {
    const cm = new ConfusionMatrix(3);
    assert.throws(() => cm.update(Uint8Array.from([0]), Uint8Array.from([0, 1])), /pred has 1 pixels but gt has 2/);
    assert.throws(() => cm.update(Uint8Array.from([0, 0]), Uint8Array.from([0, 5])), /ground-truth value 5 at pixel 1.*label mapping/);
    assert.throws(() => cm.update(Uint8Array.from([3]), Uint8Array.from([0])), /predicted value 3/);
    assert.throws(() => new ConfusionMatrix(0), /classes must be a positive integer/);
  });

  test('updateFromTensors: argmax of logits, shape checks, no leak', async () => {
    const cm = new ConfusionMatrix(2);
    // Pixels: argmax 1, 0, 1; labels 1, 1, 255.
    const logits = tf.tensor4d([0, 2, 3, -1, -5, 5], [1, 1, 3, 2]);
    const labels = tf.tensor3d([1, 1, 255], [1, 1, 3], 'int32');
    const before = tf.memory().numTensors;
    await cm.updateFromTensors(logits, labels);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(cm.count(1, 1), 1);
    assert.equal(cm.count(1, 0), 1);
    assert.equal(cm.total, 2);
    const big = tf.zeros([1, 1, 5], 'int32');
    await assert.rejects(() => Promise.resolve().then(() => cm.updateFromTensors(logits, big)), /centerCropLabels/);
    assert.equal(tf.memory().numTensors, before + 1);
    tf.dispose([logits, labels, big]);
  });
});
