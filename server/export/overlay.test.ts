import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classColor, composeGrid, overlayMask, toRgb } from './overlay';

test('palette: background black, first classes as in Pascal VOC', () => {
  assert.deepEqual(classColor(0), [0, 0, 0]);
  assert.deepEqual(classColor(1), [128, 0, 0]);
  assert.deepEqual(classColor(2), [0, 128, 0]);
  assert.deepEqual(classColor(3), [128, 128, 0]);
  assert.deepEqual(classColor(255), [224, 224, 192]);
});

test('overlay blends only non-background pixels; ignore is white', () => {
  const img = toRgb(new Uint8Array([100, 100, 100]), 3, 1, 1);
  const out = overlayMask(img, [0, 1, 255], 0.5);
  assert.deepEqual([...out.data], [100, 100, 100, 114, 50, 50, 178, 178, 178]);
});

test('overlay rejects a mask of the wrong size', () => {
  const img = toRgb(new Uint8Array(4), 2, 2, 1);
  assert.throws(() => overlayMask(img, [0, 1], 0.5), /mask has 2 pixels but the image is 2x2/);
});

test('grid places panels with a gap', () => {
  const a = { width: 1, height: 1, data: new Uint8Array([1, 2, 3]) };
  const b = { width: 2, height: 1, data: new Uint8Array([4, 5, 6, 7, 8, 9]) };
  const g = composeGrid([[a, b]], 1);
  assert.equal(g.width, 4);
  assert.equal(g.height, 1);
  assert.deepEqual([...g.data], [1, 2, 3, 64, 64, 64, 4, 5, 6, 7, 8, 9]);
});
