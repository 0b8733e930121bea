import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMemoryBudget, estimatePeakBytes, MemoryBudgetError } from './memory';
import { formatBytes } from './units';

const MiB = 1024 * 1024;
// 100 MiB fixed (weights, optimizer slots) + 200 MiB per image.
const profile = { peakBatch1: 300 * MiB, peakBatch2: 500 * MiB };

test('peak grows linearly with the batch', () => {
  assert.equal(estimatePeakBytes(profile, 1), 300 * MiB);
  assert.equal(estimatePeakBytes(profile, 4), 900 * MiB);
});

test('a job that fits returns its estimate', () => {
  assert.equal(checkMemoryBudget(profile, 4, [256, 256], 16, 1000 * MiB, 'the heap'), 900 * MiB);
});

test('a job that does not fit names the largest batch and crop that do', () => {
  // budget 1000 MiB: (1000 - 100) / 200 = 4.5 -> batch 4; at batch 8 the area may be 900/1600 -> side 256*0.75 = 192.
  assert.throws(
    () => checkMemoryBudget(profile, 8, [256, 256], 16, 1000 * MiB, 'the WASM heap'),
    (e: unknown) =>
      e instanceof MemoryBudgetError &&
      /needs about 1\.66 GiB .*batch 8 at 256x256.*the WASM heap allows 1000 MiB/.test(e.message) &&
      /train\.batchSize 4 at 256x256, or input\.size \[192, 192\] at batch 8/.test(e.message),
  );
});

test('bytes format with binary units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(4 * 1024 * MiB), '4.00 GiB');
});
