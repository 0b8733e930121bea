import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { chooseMode, slideWindow } from './mode';

const padded = { mode: 'full' as const, padding: 'same' as const, size: [64, 96] as const };

test('whole up to 1.5x the training size on both sides, slide above', () => {
  assert.equal(chooseMode(96, 144, padded), 'whole'); // exactly 1.5x: whole
  assert.equal(chooseMode(97, 10, padded), 'slide');
  assert.equal(chooseMode(10, 145, padded), 'slide');
});

test('a requested mode wins; a valid U-Net slides with overlap-tile; resize runs predict whole', () => {
  assert.equal(chooseMode(500, 500, padded, 'whole'), 'whole');
  assert.equal(chooseMode(8, 8, padded, 'slide'), 'slide');
  assert.equal(chooseMode(500, 500, { ...padded, padding: 'valid' }), 'overlapTile');
  assert.equal(chooseMode(500, 500, { ...padded, mode: 'resize' }, 'slide'), 'whole');
});

test('sliding windows: the training size times the smallest factor reaching 512 px, or covering the image', () => {
  assert.deepEqual(slideWindow(2000, 2000, [64, 96]), [512, 576]);
  assert.deepEqual(slideWindow(2000, 2000, [512, 768]), [512, 768]);
  assert.deepEqual(slideWindow(2000, 2000, [200, 100]), [600, 600]);
  assert.deepEqual(slideWindow(100, 600, [64, 64]), [128, 512], '100 px need 2 × 64');
});
