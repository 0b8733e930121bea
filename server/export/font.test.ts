import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawText, FONT_CHARS, glyph, textWidth } from './font';

test('every glyph is 5 rows of 3 pixels and no two glyphs look alike', () => {
  const seen = new Map<string, string>();
  for (const ch of FONT_CHARS) {
    const g = glyph(ch);
    assert.equal(g.length, 5, ch);
    assert.ok(g.every((row) => row.length === 3), ch);
    const key = JSON.stringify(g);
    assert.ok(!seen.has(key), `${ch} looks like ${seen.get(key)}`);
    seen.set(key, ch);
  }
  assert.ok(FONT_CHARS.length >= 26 + 10 + 10);
});

test('lower case draws as capitals, unknown characters as ?', () => {
  assert.deepEqual(glyph('a'), glyph('A'));
  assert.deepEqual(glyph('é'), glyph('?'));
});

test("drawing 'T1' at scale 2: pixels by hand, clipped at the edge", () => {
  assert.equal(textWidth('T1', 2), (2 * 4 - 1) * 2);
  const img = { width: 13, height: 10, data: new Uint8Array(13 * 10 * 3) };
  drawText(img, 'T1', 0, 0, [9, 9, 9], 2);
  const ink = (x: number, y: number) => img.data[(y * 13 + x) * 3] === 9;
  // T: top row ###, then the stem in the middle column; each font pixel is 2x2
  for (let x = 0; x < 6; x++) assert.ok(ink(x, 0) && ink(x, 1));
  assert.ok(ink(2, 2) && ink(3, 9) && !ink(0, 2) && !ink(5, 9));
  // 1 starts at x = 8: row 0 is .#. -> ink at x 10..11, none at 8..9; the last column (x 12..13) is clipped at 13
  assert.ok(!ink(8, 0) && ink(10, 0) && ink(11, 1));
  assert.ok(ink(12, 9), 'bottom row ### reaches the clipped column');
});
