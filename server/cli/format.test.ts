import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatMetric, perClassTable, progressBar } from './format';
import type { EvalResult } from '../protocol';

test('durations', () => {
  assert.equal(formatDuration(75), '1:15');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(Number.NaN), '--:--');
});

test('absent classes print as "absent", not 0', () => {
  assert.equal(formatMetric(null), 'absent');
  assert.equal(formatMetric(0), '0.0000');
});

test('progress bar fills proportionally', () => {
  assert.equal(progressBar(1, 4, 8), '[##......]  25%');
  assert.equal(progressBar(9, 4, 4), '[####] 100%');
});

test('per-class table lists every class with gt pixel counts', () => {
  const r: EvalResult = {
    mIoU: 0.5,
    perClassIoU: [0.75, 0.25, null],
    perClassDice: [0.8, 0.4, null],
    pixelAccuracy: 0.9,
    meanClassAccuracy: 0.6,
    batchMeanIoU: 0.45,
    explanation: 'why',
    confusion: [
      [3, 1, 0],
      [0, 2, 0],
      [0, 0, 0],
    ],
    classNames: ['bg', 'cell', 'rare'],
    images: 2,
  };
  const t = perClassTable(r);
  assert.match(t, /0 bg\s+0\.7500\s+0\.8000\s+4/);
  assert.match(t, /1 cell\s+0\.2500\s+0\.4000\s+2/);
  assert.match(t, /2 rare\s+absent\s+absent\s+0/);
  assert.match(t, /mIoU\s+0\.5000/);
});
