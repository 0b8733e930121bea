import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validUnetOutputSize } from '../models/unet/sizes';
import { overlapTileSpec, planWindows, slideSpec, wholeImageSpec, windowStarts } from './tiling';

describe('window starts', () => {
  test("MMSeg's slide_inference on hand-checked cases", () => {
    // h_grids = max(L - T + S - 1, 0) // S + 1; y1 = i*S; y2 = min(y1 + T, L); y1 = max(y2 - T, 0)
    assert.deepEqual(windowStarts(10, 4, 3), [0, 3, 6]); // (10-4+2)//3+1 = 3, last 6+4 = 10
    assert.deepEqual(windowStarts(11, 4, 3), [0, 3, 6, 7]); // 4 grids, the last clamped from 9 to 7
    assert.deepEqual(windowStarts(8, 4, 4), [0, 4]);
    assert.deepEqual(windowStarts(3, 4, 3), [0]); // smaller than the tile
    assert.deepEqual(windowStarts(4, 4, 2), [0]);
  });

  test('aligned starts: stride rounded down, the last start rounded up to a multiple', () => {
    assert.deepEqual(windowStarts(11, 4, 3, 2), [0, 2, 4, 6, 8]);
    assert.deepEqual(windowStarts(30, 12, 12, 4), [0, 12, 20]);
  });

  test('brute force: every pixel of every length is covered, starts ascending and within reach', () => {
    for (let length = 1; length <= 40; length++) {
      for (let tile = 1; tile <= 12; tile++) {
        for (let stride = 1; stride <= tile; stride++) {
          for (const align of [1, 2, 4].filter((a) => a <= tile)) {
            const starts = windowStarts(length, tile, stride, align);
            const covered = new Uint8Array(length);
            for (const s of starts) for (let i = s; i < Math.min(length, s + tile); i++) covered[i] = 1;
            const where = `L=${length} T=${tile} S=${stride} a=${align}`;
            assert.ok(covered.every((c) => c === 1), where);
            assert.ok(starts.every((s, i) => s % align === 0 && (i === 0 || s > starts[i - 1]) && s < length), where);
            if (align === 1 && length >= tile) assert.equal(starts[starts.length - 1], length - tile, where);
          }
        }
      }
    }
  });

  test('a stride larger than the tile is an error that says why', () => {
    assert.throws(() => windowStarts(100, 8, 9), /stride 9 is larger than the tile 8: pixels between windows would never be predicted/);
    assert.throws(() => windowStarts(0, 8, 4), /image size must be a positive whole number, got 0/);
    assert.throws(() => windowStarts(10, 2, 1, 4), /align 4 is larger than the tile 2/);
  });
});

describe('tile specs', () => {
  test('whole image: padded models pad to the stride; valid U-Nets get context', () => {
    assert.deepEqual(wholeImageSpec(37, 20, { padding: 'same', encoderDepth: 2 }), { inTile: [40, 20], outTile: [40, 20], stride: [40, 20] });
    const v = wholeImageSpec(37, 20, { padding: 'valid', encoderDepth: 2 });
    assert.ok(v.outTile[0] >= 37 && v.outTile[1] >= 20);
    assert.equal(validUnetOutputSize(v.inTile[0], 2), v.outTile[0]);
    assert.equal(planWindows(37, 20, v).length, 1);
  });

  test("overlap-tile: the paper's 572 -> 388 at depth 4, aligned to 16", () => {
    const s = overlapTileSpec([388, 388], 4);
    assert.deepEqual(s, { inTile: [572, 572], outTile: [388, 388], stride: [388, 388], align: 16 });
    // a 1000-pixel side: starts 0, 384 (388 rounded down to 16), last ceil(612/16)*16 = 624
    assert.deepEqual(planWindows(1000, 10, s).map((w) => w.y).filter((y, i, a) => a.indexOf(y) === i), [0, 384, 624]);
  });

  test('sliding window needs a crop divisible by 2^depth', () => {
    assert.deepEqual(slideSpec([64, 32], [48, 16], 4).outTile, [64, 32]);
    assert.throws(() => slideSpec([60, 32], [40, 16], 4), /sliding-window crop height 60 is not divisible by 2\^encoderDepth = 16/);
  });
});
