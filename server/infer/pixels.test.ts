import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertChannels, flipHWC, reflectIndex, resizeBilinear, resizeNearest } from './pixels';
import { planInput } from './whole';

test('reflectIndex mirrors without repeating the edge, however far out', () => {
  // n = 4: ... 2 1 | 0 1 2 3 | 2 1 0 1 2 3 ...
  assert.deepEqual([-3, -2, -1, 0, 3, 4, 5, 6, 7, 9].map((i) => reflectIndex(i, 4)), [3, 2, 1, 0, 3, 2, 1, 0, 1, 3]);
  assert.equal(reflectIndex(-7, 1), 0);
});

test('channel conversion: gray repeats, RGB to gray by Rec. 601 luma', () => {
  assert.deepEqual([...convertChannels(new Uint8Array([7, 9]), 2, 1, 3)], [7, 7, 7, 9, 9, 9]);
  assert.deepEqual([...convertChannels(new Uint8Array([255, 0, 0, 0, 0, 255]), 2, 3, 1)], [Math.round(0.299 * 255), Math.round(0.114 * 255)]);
  assert.throws(() => convertChannels(new Uint8Array(4), 2, 2, 3), /cannot convert a 2-channel image to 3 channels/);
});

test('resizes by hand (half-pixel centres)', () => {
  // 2x2 -> 1x4: the output row's centre 0.5 maps to source 0.5 * 2 = 1.0 -> row 1
  assert.deepEqual([...resizeNearest(new Uint8Array([1, 2, 3, 4]), 2, 2, 1, 4)], [3, 3, 4, 4]);
  // 1x2 -> 1x4: sources clamp(-0.25) = 0, 0.25, 0.75, clamp(1.25) = 1
  assert.deepEqual([...resizeBilinear(new Uint8Array([0, 100]), 1, 2, 1, 1, 4)], [0, 25, 75, 100]);
  assert.deepEqual([...flipHWC(new Uint8Array([1, 2, 3, 4]), 2, 2, 1, 'h')], [2, 1, 4, 3]);
});

test('planInput: stride multiple for padded models, centred context for valid ones', () => {
  assert.deepEqual(planInput(30, 17, { padding: 'same', encoderDepth: 3 }), { inH: 32, inW: 24, padTop: 0, padLeft: 0, outH: 32, outW: 24 });
  const v = planInput(30, 17, { padding: 'valid', encoderDepth: 1 });
  // depth 1: input - 4 even, then output = 2 * ((input - 4) / 2 - 4) - 4 = input - 16 >= size
  assert.deepEqual(v, { inH: 46, inW: 34, padTop: 8, padLeft: 8, outH: 30, outW: 18 });
});
