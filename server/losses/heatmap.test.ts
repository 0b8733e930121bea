import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import {crc32, encodePngRgb, hotColor, weightMapHeatmap, weightMapPng} from './heatmap';

describe('hot colormap', () => {
  test('black -> red -> yellow -> white at thirds', () => {
    assert.deepEqual(hotColor(0), [0, 0, 0]);
    assert.deepEqual(hotColor(1 / 6), [128, 0, 0]); // 255 * 0.5 = 127.5 rounds up
    assert.deepEqual(hotColor(1 / 3), [255, 0, 0]);
    assert.deepEqual(hotColor(2 / 3), [255, 255, 0]);
    assert.deepEqual(hotColor(1), [255, 255, 255]);
    assert.deepEqual(hotColor(-2), [0, 0, 0]);
  });
});

describe('weightMapHeatmap', () => {
  test('spans min..max by default, or the given range', () => {
    const map = weightMapHeatmap([1, 2, 3, 4], 2, 2);
    assert.equal(map.lo, 1);
    assert.equal(map.hi, 4);
    assert.deepEqual(Array.from(map.rgb), [0, 0, 0, 255, 0, 0, 255, 255, 0, 255, 255, 255]);
    const fixed = weightMapHeatmap([1, 2, 3, 4], 2, 2, {lo: 0, hi: 2});
    assert.deepEqual(Array.from(fixed.rgb.subarray(0, 6)), [255, 128, 0, 255, 255, 255]);
  });

  test('a constant map is black; bad input is explained', () => {
    assert.ok(weightMapHeatmap([5, 5], 1, 2).rgb.every((v) => v === 0));
    assert.throws(() => weightMapHeatmap([1, 2, 3], 2, 2), /3 weights do not fit 2x2/);
    assert.throws(() => weightMapHeatmap([1, NaN], 1, 2), /weight 1 is NaN/);
    assert.throws(() => weightMapHeatmap([1, 2], 1, 2, {lo: 3, hi: 1}), /need finite lo <= hi; got lo 3, hi 1/);
  });
});

describe('PNG encoding', () => {
  test('crc32 check value', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  });

  test('sharp decodes the PNG back to the same pixels', async () => {
    const weights = Float32Array.from({length: 5 * 3}, (_, i) => (i * 7) % 11);
    const png = weightMapPng(weights, 3, 5);
    const {data, info} = await sharp(png).raw().toBuffer({resolveWithObject: true});
    assert.deepEqual([info.width, info.height, info.channels], [5, 3, 3]);
    assert.deepEqual(Array.from(data), Array.from(weightMapHeatmap(weights, 3, 5).rgb));
    assert.throws(() => encodePngRgb(new Uint8Array(5), 2, 1), /5 bytes do not fit 2x1 RGB/);
  });
});
