import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { rleArea, rleDecode, rleEncode, rleFromString, rleProblem, rleToString } from './rle';
import { mulberry32 } from './rng';

describe('RLE (column-major, zeros first)', () => {
  test('uncompressed counts decode column by column', () => {
    // 3 rows x 2 columns; column 0 = [0,1,1], column 1 = [0,1,1]
    const mask = rleDecode({ size: [3, 2], counts: [1, 2, 1, 2] });
    assert.deepEqual(Array.from(mask), [0, 0, 1, 1, 1, 1]);
  });

  test('encode starts with an empty zero run when pixel (0,0) is set', () => {
    const rle = rleEncode([1, 0, 1, 1], 2, 2); // rows [1,0],[1,1]: column 0 = 1,1; column 1 = 0,1
    assert.deepEqual(rle.counts, [0, 2, 1, 1]);
    assert.equal(rleArea(rle), 3);
  });

  test('encode/decode round trip on random masks', () => {
    const rng = mulberry32(7);
    for (const [h, w] of [[1, 1], [5, 3], [4, 9]]) {
      const mask = Uint8Array.from({ length: h * w }, () => (rng() < 0.4 ? 1 : 0));
      assert.deepEqual(rleDecode(rleEncode(mask, h, w)), mask);
    }
  });

  test('problems: counts that do not cover the image', () => {
    assert.match(rleProblem({ size: [2, 2], counts: [1, 2] }) ?? '', /sum to 3, but size 2x2 needs 4/);
    assert.equal(rleProblem({ size: [2, 2], counts: [1, 3] }), undefined);
    assert.throws(() => rleDecode({ size: [2, 2], counts: [5] }), /sum to 5/);
  });
});

describe('compressed RLE strings', () => {
  test('hand-made example with small, large, sign-bit and negative-delta counts', () => {
    // 16 -> "`0" (bit 4 set needs a continuation), 100 -> "T3", 3 -> "3",
    // 81 is stored as 81 - 100 = -19 -> "]O".
    const rle = { size: [10, 20] as const, counts: [16, 100, 3, 81] };
    assert.equal(rleToString(rle), '`0T33]O');
    assert.deepEqual(rleFromString('`0T33]O', 10, 20).counts, [16, 100, 3, 81]);
  });

  test('first three counts are stored as is', () => {
    assert.equal(rleToString({ size: [3, 3], counts: [3, 2, 4] }), '324');
    assert.equal(rleToString({ size: [3, 3], counts: [1, 2, 3, 3] }), '1231');
    assert.equal(rleToString({ size: [3, 3], counts: [2, 5, 1, 1] }), '251L'); // 1 - 5 = -4 -> 'L'
  });

  test('round trip on random masks', () => {
    const rng = mulberry32(11);
    for (let trial = 0; trial < 20; trial++) {
      const h = 1 + Math.floor(rng() * 40);
      const w = 1 + Math.floor(rng() * 40);
      const p = rng();
      const mask = Uint8Array.from({ length: h * w }, () => (rng() < p ? 1 : 0));
      const rle = rleEncode(mask, h, w);
      const back = rleFromString(rleToString(rle), h, w);
      assert.deepEqual(back.counts, rle.counts);
      assert.deepEqual(rleDecode(back), mask);
    }
  });

  test('invalid characters and truncated strings are errors', () => {
    assert.throws(() => rleFromString('3~', 2, 2), /invalid character "~"/);
    assert.throws(() => rleFromString('3T', 2, 2), /ends in the middle of a count/);
  });
});
