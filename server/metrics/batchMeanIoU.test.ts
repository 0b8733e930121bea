import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {BatchMeanIoU} from './batchMeanIoU';

const close = (actual: number, expected: number): void =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);

// Batch A: gt [0,0,0,1], pred [0,0,1,1]: class 0 TP 2, FN 1 -> 2/3; class 1 TP 1, FP 1 -> 1/2; mIoU 7/12.
// Batch B: gt [0,0,0,0], pred [0,0,0,0]: class 0 -> 1; class 1 absent -> skipped (mIoU 1) or 0 (mIoU 1/2).
// Pooled: class 0 TP 6, FN 1 -> 6/7; class 1 TP 1, FP 1 -> 1/2; mIoU (6/7 + 1/2) / 2 = 19/28.
const A = {gt: Uint8Array.from([0, 0, 0, 1]), pred: Uint8Array.from([0, 0, 1, 1])};
const B = {gt: Uint8Array.from([0, 0, 0, 0]), pred: Uint8Array.from([0, 0, 0, 0])};

describe('BatchMeanIoU', () => {
  test('per-batch mean differs from the dataset-wide mIoU (absent class skipped)', () => {
    const m = new BatchMeanIoU(2);
    close(m.update(A.pred, A.gt), 7 / 12);
    close(m.update(B.pred, B.gt), 1);
    close(m.batchMean(), (7 / 12 + 1) / 2);
    close(m.datasetMIoU(), 19 / 28);
    assert.equal(m.batches, 2);
    const line = m.explainDifference();
    assert.match(line, /per-batch mean mIoU 0\.7917 vs dataset-wide mIoU 0\.6786 over 2 batches/);
    assert.match(line, /absent from a batch is skipped.*pools pixel counts/);
    assert.ok(!line.includes('\n'));
  });

  test("absentClass 'zero' counts the missing class as 0", () => {
    const m = new BatchMeanIoU(2, 255, {absentClass: 'zero'});
    m.update(A.pred, A.gt);
    close(m.update(B.pred, B.gt), 1 / 2);
    close(m.batchMean(), (7 / 12 + 1 / 2) / 2);
    close(m.datasetMIoU(), 19 / 28);
    assert.match(m.explainDifference(), /counted as 0/);
  });

  test('a fully ignored batch is not averaged; agreement and reset', () => {
    const m = new BatchMeanIoU(2);
    assert.match(m.explainDifference(), /no labelled pixel/);
    assert.ok(Number.isNaN(m.update(Uint8Array.from([1]), Uint8Array.from([255]))));
    assert.equal(m.batches, 0);
    m.update(A.pred, A.gt);
    assert.match(m.explainDifference(), /they agree/);
    m.reset();
    assert.equal(m.dataset.total, 0);
    assert.ok(Number.isNaN(m.batchMean()));
    assert.throws(() => new BatchMeanIoU(2, 255, {absentClass: 'nan' as 'skip'}), /absentClass must be 'skip' or 'zero'/);
  });

  test('updateFromTensors treats the tensors as one batch and does not leak', async () => {
    const m = new BatchMeanIoU(2);
    // Batch A as logits: argmax [0,0,1,1].
    const logits = tf.tensor4d([1, 0, 1, 0, 0, 1, 0, 1], [1, 2, 2, 2]);
    const labels = tf.tensor3d([0, 0, 0, 1], [1, 2, 2], 'int32');
    const before = tf.memory().numTensors;
    close(await m.updateFromTensors(logits, labels), 7 / 12);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([logits, labels]);
  });
});
