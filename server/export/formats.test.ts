import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { tempDir } from '../data/fixtures';
import { mulberry32 } from '../data/rng';
import { rleFromString } from '../data/rle';
import { resizeNearest } from '../infer/pixels';
import { cocoResults, formatSubmission, maskFromCocoResults, parseSubmission, readIndexPng, submissionLine, writeIndexPng } from './formats';

function randomMask(h: number, w: number, classes: number, seed: number): Uint8Array {
  const rng = mulberry32(seed);
  return Uint8Array.from({ length: h * w }, () => Math.floor(rng() * classes));
}

describe('COCO results', () => {
  test('one RLE per class present, column-major runs by hand', () => {
    // 2x3: row 0 = 0 1 1, row 1 = 2 0 1
    const r = cocoResults(7, new Uint8Array([0, 1, 1, 2, 0, 1]), 2, 3);
    assert.deepEqual(r.map((e) => [e.image_id, e.category_id, e.score]), [[7, 1, 1], [7, 2, 1]]);
    // class 1 column by column: (0,0) (1,0) | (0,1) (1,1) | (0,2) (1,2) = 0 0 | 1 0 | 1 1 -> runs 2 zeros, 1, 1 zero, 2
    assert.deepEqual(rleFromString(r[0].segmentation.counts, 2, 3).counts, [2, 1, 1, 2]);
    assert.deepEqual(rleFromString(r[1].segmentation.counts, 2, 3).counts, [1, 1, 4]);
    assert.deepEqual(r[0].segmentation.size, [2, 3]);
  });

  test('round trip on random odd-sized masks, with and without a category map; ignore is not written', () => {
    for (const [h, w] of [[13, 7], [1, 9], [5, 1]]) {
      const mask = randomMask(h, w, 4, h * w);
      assert.deepEqual(maskFromCocoResults(cocoResults('x', mask, h, w), 'x', h, w), mask);
      const ids = [0, 5, 9, 11];
      const json = JSON.parse(JSON.stringify(cocoResults(3, mask, h, w, { categoryIds: ids })));
      assert.ok(json.every((e: { category_id: number }) => ids.slice(1).includes(e.category_id)));
      assert.deepEqual(maskFromCocoResults(json, 3, h, w, { categoryIds: ids }), mask);
    }
    const withIgnore = new Uint8Array([1, 255, 0]);
    assert.deepEqual(cocoResults(1, withIgnore, 1, 3).map((e) => e.category_id), [1]);
  });

  test('size and category problems are named', () => {
    assert.throws(() => cocoResults(1, new Uint8Array(5), 2, 3), /mask has 5 pixels, expected 2x3/);
    assert.throws(() => cocoResults(1, new Uint8Array([3]), 1, 1, { categoryIds: [0, 1] }), /class 3 has no category id/);
  });
});

describe('submission CSV', () => {
  test('rows by hand: own size and nearest-neighbour resize to 4x4', () => {
    const e = { id: 'img1', mask: new Uint8Array([0, 1, 2, 3]), height: 2, width: 2 };
    assert.equal(submissionLine(e), 'img1,0 1 2 3');
    assert.equal(submissionLine(e, [4, 4]), 'img1,0 0 1 1 0 0 1 1 2 2 3 3 2 2 3 3');
    assert.equal(formatSubmission([e]), 'image_id,PredictionString\nimg1,0 1 2 3\n');
  });

  test('round trip, ids with commas and quotes included', () => {
    const a = { id: 'a,"b"', mask: randomMask(9, 7, 5, 1), height: 9, width: 7 };
    const b = { id: 'plain', mask: randomMask(12, 4, 5, 2), height: 12, width: 4 };
    const parsed = parseSubmission(formatSubmission([a, b], [6, 5]), [6, 5]);
    assert.deepEqual([...parsed.keys()], ['a,"b"', 'plain']);
    assert.deepEqual(parsed.get('a,"b"'), resizeNearest(a.mask, 9, 7, 6, 5));
    assert.deepEqual(parsed.get('plain'), resizeNearest(b.mask, 12, 4, 6, 5));
    assert.deepEqual(parseSubmission(formatSubmission([a]), [9, 7]).get(a.id), a.mask);
  });

  test('bad files are reported by line', () => {
    assert.throws(() => parseSubmission('id,pred\n', [1, 1]), /first line must be "image_id,PredictionString"/);
    assert.throws(() => parseSubmission('image_id,PredictionString\nx,0 1 2\n', [2, 2]), /line 2 \(x\): 3 values, expected 2x2 = 4/);
    assert.throws(() => parseSubmission('image_id,PredictionString\nx,0 1 2 -1\n', [2, 2]), /values must be class ids/);
  });
});

test('index PNG round trip (gray, values as class ids)', async () => {
  const { dir, cleanup } = tempDir('seglab-export-');
  try {
    const mask = randomMask(11, 6, 255, 3);
    const file = path.join(dir, 'm.png');
    await writeIndexPng(file, mask, 6, 11);
    const back = await readIndexPng(file);
    assert.deepEqual([back.width, back.height], [6, 11]);
    assert.deepEqual(back.data, mask);
  } finally {
    cleanup();
  }
});
