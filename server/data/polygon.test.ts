import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { rleFromPolygon } from './polygon';
import { rleArea, rleDecode } from './rle';

/** Row-major mask with the listed (column, row) pixels set. */
function maskOf(h: number, w: number, pixels: [number, number][]): number[] {
  const m = new Array<number>(h * w).fill(0);
  for (const [c, r] of pixels) m[r * w + c] = 1;
  return m;
}

describe('rleFromPolygon (pycocotools rleFrPoly)', () => {
  test('integer rectangle [1,4]x[1,3] covers columns 1..3, rows 1..2', () => {
    // Columns are kept where the edge crosses a pixel centre x + 0.5 in (1, 4): columns 1, 2, 3.
    // Row boundaries: ceil(y - 0.4) for y = 1 and y = 3 -> rows 1 and 2 inside.
    const rle = rleFromPolygon([1, 1, 4, 1, 4, 3, 1, 3], 5, 6);
    const expected: [number, number][] = [];
    for (let c = 1; c <= 3; c++) for (let r = 1; r <= 2; r++) expected.push([c, r]);
    assert.deepEqual(Array.from(rleDecode(rle)), maskOf(5, 6, expected));
    assert.equal(rleArea(rle), 6);
  });

  test('right triangle (0,0),(4,0),(0,4) gives the 6 pixels with c + r < 3', () => {
    // Hypotenuse crossings at columns 0..3 put the bottom boundary at row 3 - c; top boundary at row 0.
    // Column 3 toggles twice at the same place, which the zero-run merge removes.
    const rle = rleFromPolygon([0, 0, 4, 0, 0, 4], 6, 6);
    assert.deepEqual(rle.counts, [0, 3, 3, 2, 4, 1, 23]);
    assert.deepEqual(Array.from(rleDecode(rle)), maskOf(6, 6, [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0]]));
  });

  test('vertex order (clockwise or not) and start vertex do not matter', () => {
    const a = rleFromPolygon([1, 1, 4, 1, 4, 3, 1, 3], 5, 6);
    const b = rleFromPolygon([4, 3, 4, 1, 1, 1, 1, 3], 5, 6);
    assert.deepEqual(b.counts, a.counts);
  });

  test('parts outside the image are clipped; a polygon fully outside is empty', () => {
    const rle = rleFromPolygon([-3, -3, 2, -3, 2, 2, -3, 2], 4, 4); // covers columns 0..1, rows 0..1
    assert.deepEqual(Array.from(rleDecode(rle)), maskOf(4, 4, [[0, 0], [0, 1], [1, 0], [1, 1]]));
    assert.equal(rleArea(rleFromPolygon([10, 10, 12, 10, 12, 12], 4, 4)), 0);
  });

  test('repeated vertices are harmless', () => {
    const rle = rleFromPolygon([1, 1, 1, 1, 4, 1, 4, 3, 4, 3, 1, 3], 5, 6);
    assert.equal(rleArea(rle), 6);
  });
});
