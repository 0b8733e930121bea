import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { fitWithin, resizeNearest, sampleMasks } from './sampleMasks';
import type { RawSample } from '../data/types';

describe('fitWithin', () => {
  test('keeps small images and the aspect ratio of large ones', () => {
    assert.deepEqual(fitWithin(100, 50, 256), { width: 100, height: 50 });
    assert.deepEqual(fitWithin(512, 256, 256), { width: 256, height: 128 });
    assert.deepEqual(fitWithin(300, 1200, 256), { width: 64, height: 256 });
  });
});

describe('resizeNearest', () => {
  test('halving a 4x2 mask picks one pixel of each 2x2 block', () => {
    const m = [0, 0, 1, 1, 0, 0, 1, 1];
    assert.deepEqual([...resizeNearest(m, 4, 2, 1, 2, 1)], [0, 1]);
  });
  test('identity size is a copy, multi-channel stays interleaved', () => {
    const rgb = [1, 2, 3, 4, 5, 6];
    assert.deepEqual([...resizeNearest(rgb, 2, 1, 3, 2, 1)], rgb);
  });
});

describe('sampleMasks', () => {
  test('encodes image, ground truth and prediction of each kept sample', async () => {
    const w = 4;
    const h = 2;
    const sample: RawSample = {
      id: 's0',
      height: h,
      width: w,
      channels: 1,
      image: Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70]),
      mask: Uint8Array.from([0, 1, 2, 255, 0, 1, 2, 255]),
    };
    const pred = Uint8Array.from([1, 1, 2, 0, 0, 0, 2, 1]);
    const [s] = await sampleMasks([sample], new Map([[0, pred]]));
    assert.equal(s.id, 's0');
    assert.deepEqual([s.width, s.height], [w, h]);
    assert.deepEqual([...Buffer.from(s.gt, 'base64')], [...sample.mask]);
    assert.deepEqual([...Buffer.from(s.pred, 'base64')], [...pred]);
    const { data, info } = await sharp(Buffer.from(s.imagePng, 'base64')).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [w, h, 3]);
    assert.deepEqual([...data.subarray(0, 6)], [0, 0, 0, 10, 10, 10]);
  });
});
