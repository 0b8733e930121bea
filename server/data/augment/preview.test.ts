import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classColor } from '../../export/overlay';
import type { RawSample } from '../types';
import { previewSheet } from './preview';

function sample(id: string, H: number, W: number): RawSample {
  // left half class 0 on a dark image, right half class 2 on a bright one
  const mask = Uint8Array.from({ length: H * W }, (_, i) => (i % W < W / 2 ? 0 : 2));
  const image = Uint8Array.from(mask, (m) => (m ? 200 : 20));
  return { id, height: H, width: W, channels: 1, image, mask };
}

test('n tiles of image | overlay in a ceil(sqrt(n)) grid, at the crop size', () => {
  const sheet = previewSheet([sample('a', 20, 20), sample('b', 24, 18)], [{ type: 'hflip' }], {
    n: 5, seed: 1, ignoreIndex: 255, inputSize: [16, 12], alpha: 1,
  });
  // 3 tiles per row -> 6 panels of 12 px with 5 gaps of 4; 2 rows of 16 px with one gap
  assert.equal(sheet.width, 6 * 12 + 5 * 4);
  assert.equal(sheet.height, 2 * 16 + 4);
  assert.equal(sheet.data.length, sheet.width * sheet.height * 3);
});

test('the overlay colours exactly the pixels whose image shows the class (the mask followed the image)', () => {
  const sheet = previewSheet([sample('a', 20, 20)], [{ type: 'hflip', p: 1 }, { type: 'vflip', p: 1 }, { type: 'rot90' }], {
    n: 1, seed: 3, ignoreIndex: 255, alpha: 1,
  });
  // one tile: image (20 px) | gap (4) | overlay (20 px)
  assert.deepEqual([sheet.width, sheet.height], [44, 20]);
  const [r, g, b] = classColor(2);
  let coloured = 0;
  for (let y = 0; y < 20; y++) {
    for (let x = 0; x < 20; x++) {
      const img = sheet.data[(y * 44 + x) * 3];
      const ov = sheet.data.subarray((y * 44 + 24 + x) * 3, (y * 44 + 24 + x) * 3 + 3);
      if (img === 200) {
        assert.deepEqual([...ov], [r, g, b], `pixel (${y}, ${x})`);
        coloured++;
      } else {
        assert.deepEqual([...ov], [20, 20, 20], `pixel (${y}, ${x})`);
      }
    }
  }
  assert.equal(coloured, 200);
});

test('large samples are scaled down to maxTile; bad n is a clear error', () => {
  const sheet = previewSheet([sample('a', 300, 150)], [], { n: 1, seed: 0, ignoreIndex: 255, maxTile: 100 });
  assert.deepEqual([sheet.width, sheet.height], [50 + 4 + 50, 100]);
  assert.throws(() => previewSheet([sample('a', 8, 8)], [], { n: 0, seed: 0, ignoreIndex: 255 }), /--n must be a positive whole number, got 0/);
});
