import { test } from 'node:test';
import assert from 'node:assert/strict';
import { legendEntries, overlayWithLegend, renderLegend } from './legend';
import { classColor, IGNORE_COLOR, toRgb } from './overlay';

const names = ['background', 'cell', 'membrane'];

test('entries: classes present (no background), ignore last; or every class', () => {
  assert.deepEqual(legendEntries(names, [0, 2, 2, 255, 1]), [
    { id: 1, name: 'cell', color: classColor(1) },
    { id: 2, name: 'membrane', color: classColor(2) },
    { id: 255, name: 'ignored', color: IGNORE_COLOR },
  ]);
  assert.deepEqual(legendEntries(names).map((e) => e.id), [0, 1, 2]);
  assert.equal(legendEntries(['a'], [0, 4])[0].name, 'class 4');
});

test('panel layout by hand at scale 1: swatch colour and the first glyph of the label', () => {
  const panel = renderLegend([{ id: 2, name: 'b', color: [1, 2, 3] }, { id: 3, name: 'cc', color: [4, 5, 6] }], 1);
  // pad 2, swatch 5, pad 2, text "3 cc" = 4 glyphs * 4 - 1 = 15, pad 2 -> 26; height 2 + 2 rows * 7 = 16
  assert.deepEqual([panel.width, panel.height], [26, 16]);
  const px = (x: number, y: number) => [...panel.data.subarray((y * 26 + x) * 3, (y * 26 + x) * 3 + 3)];
  assert.deepEqual(px(2, 2), [1, 2, 3]);
  assert.deepEqual(px(6, 9), [4, 5, 6]); // second row starts at 2 + 7 = 9
  assert.deepEqual(px(6, 8), [32, 32, 32]);
  // "2": row 0 is ##. -> ink at x 9 and 10, not 11; the background is 32
  assert.deepEqual(px(9, 2), [235, 235, 235]);
  assert.deepEqual(px(11, 2), [32, 32, 32]);
});

test('overlay with legend: the overlay on the left, the panel on the right', () => {
  const img = toRgb(new Uint8Array(4 * 3).fill(100), 4, 3, 1);
  const out = overlayWithLegend(img, [0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2], names, { alpha: 1, scale: 1 });
  assert.equal(out.height, Math.max(3, 2 + 2 * 7));
  assert.deepEqual([...out.data.subarray(3, 6)], classColor(1));
  assert.deepEqual([...out.data.subarray(0, 3)], [100, 100, 100]);
  assert.ok(out.width > 4 + 20);
  // nothing to list: the overlay alone
  assert.equal(overlayWithLegend(img, new Array(12).fill(0), names).width, 4);
});
