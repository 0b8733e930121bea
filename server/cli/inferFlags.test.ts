import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferOverrides, parseSize } from './inferFlags';
import { inferenceOptionsOf, isSinglePass, mergedSettings } from '../train/inference';
import { InferSettings } from '../config/schema';

test('sizes: N or HxW (height first)', () => {
  assert.equal(parseSize('256', '--crop'), 256);
  assert.deepEqual(parseSize('256x384', '--crop'), [256, 384]);
  assert.deepEqual(parseSize('12,8', '--crop'), [12, 8]);
  for (const bad of ['0', '1.5', '2x3x4', 'ax2', '']) assert.throws(() => parseSize(bad, '--crop'), /--crop must be a size in pixels, N or HxW/, bad);
});

test('only the flags given become overrides', () => {
  assert.deepEqual(inferOverrides({}), {});
  assert.deepEqual(inferOverrides({ mode: 'slide', crop: '64', 'tta-flip': true, 'tta-scales': '0.5, 1' }), {
    infer: { mode: 'slide', crop: 64, flip: 'h', scales: [0.5, 1] },
  });
  assert.deepEqual(inferOverrides({ format: 'csv,png,csv', 'csv-size': '4x6' }), { export: { formats: ['csv', 'png'], csvSize: [4, 6] } });
});

test('config + overrides -> inference options; a single whole pass is recognised', () => {
  const s = mergedSettings(InferSettings, 'infer', { mode: 'slide', crop: [64, 96], flip: 'hv' }, { stride: 32 });
  assert.deepEqual(inferenceOptionsOf(s), { mode: 'slide', crop: [64, 96], stride: [32, 32], flips: ['h', 'v'], scales: [1], batchSize: 4 });
  assert.equal(isSinglePass(inferenceOptionsOf(mergedSettings(InferSettings, 'infer', undefined, undefined))), true);
  assert.equal(isSinglePass(inferenceOptionsOf(mergedSettings(InferSettings, 'infer', {}, { scales: [1, 1.5] }))), false);
  assert.throws(() => mergedSettings(InferSettings, 'infer', { mode: 'tiles' }, undefined), /`infer.mode`: got "tiles"; valid options: "whole", "slide", "overlapTile"/);
});
