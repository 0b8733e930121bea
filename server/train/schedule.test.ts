import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRateAt, ScheduleSpec } from './schedule';

const base: ScheduleSpec = { type: 'constant', warmupEpochs: 0, minLr: 0, power: 0.9, stepEpochs: 10, gamma: 0.1 };
const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

test('constant keeps the base rate', () => {
  close(learningRateAt(base, 0.01, 57, 100, 10), 0.01);
});

test('cosine starts at base, is halfway at the middle, ends at minLr', () => {
  const s = { ...base, type: 'cosine' as const, minLr: 0.001 };
  close(learningRateAt(s, 0.011, 0, 100, 10), 0.011);
  close(learningRateAt(s, 0.011, 50, 100, 10), 0.006);
  close(learningRateAt(s, 0.011, 100, 100, 10), 0.001);
});

test('poly follows (1 - t)^power', () => {
  const s = { ...base, type: 'poly' as const, power: 2 };
  close(learningRateAt(s, 1, 25, 100, 10), 0.75 * 0.75);
});

test('step decays by gamma every stepEpochs epochs', () => {
  const s = { ...base, type: 'step' as const, stepEpochs: 2, gamma: 0.5 };
  close(learningRateAt(s, 1, 19, 100, 10), 1); // epoch 1
  close(learningRateAt(s, 1, 20, 100, 10), 0.5); // epoch 2
  close(learningRateAt(s, 1, 45, 100, 10), 0.25); // epoch 4
});

test('linear warm-up from 0.1x to the schedule', () => {
  const s = { ...base, type: 'cosine' as const, warmupEpochs: 1 };
  close(learningRateAt(s, 1, 0, 100, 10), 0.1);
  close(learningRateAt(s, 1, 5, 100, 10), 0.55);
  close(learningRateAt(s, 1, 10, 100, 10), 1);
});
