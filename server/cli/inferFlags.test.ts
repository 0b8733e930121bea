import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { INFER_FLAG_OPTIONS, inferOverrides, normalizeOptionalFlags, parseSize } from './inferFlags';
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
  assert.deepEqual(inferOverrides({ mode: 'slide', crop: '64', 'tta-flip': 'h', 'tta-scales': '0.5, 1' }), {
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

/** What main.ts does: the optional-value rewrite, then parseArgs with these flags (plus --out and -h). */
function parse(args: string[]): { flip: string | undefined; positionals: string[]; help: boolean } {
  const { values, positionals } = parseArgs({
    args: normalizeOptionalFlags(args),
    allowPositionals: true,
    options: { ...INFER_FLAG_OPTIONS, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  return { flip: values['tta-flip'], positionals, help: values.help === true };
}

test('--tta-flip takes an optional direction: alone h, then h, v or hv, separate or after =', () => {
  assert.deepEqual(parse(['predict', 'imgs', '--tta-flip']), { flip: 'h', positionals: ['predict', 'imgs'], help: false });
  // An image after the bare flag stays an image; a direction after it is the flag's value.
  assert.deepEqual(parse(['predict', '--tta-flip', 'imgs/a.png']), { flip: 'h', positionals: ['predict', 'imgs/a.png'], help: false });
  assert.deepEqual(parse(['predict', '--tta-flip', 'v', 'imgs']), { flip: 'v', positionals: ['predict', 'imgs'], help: false });
  assert.deepEqual(parse(['eval', '--tta-flip', 'hv', '--mode', 'slide']).flip, 'hv');
  assert.deepEqual(parse(['eval', '--tta-flip=h']).flip, 'h');
  assert.deepEqual(parse(['eval', '--tta-flip=hv']).flip, 'hv');
  // A flag after it is not its value.
  assert.deepEqual(parse(['eval', '--tta-flip', '-h']), { flip: 'h', positionals: ['eval'], help: true });
  assert.deepEqual(parse(['eval', '--tta-flip', '--out', 'o']).flip, 'h');
  assert.equal(parse(['eval']).flip, undefined);
  // After `--` everything is a positional.
  assert.deepEqual(normalizeOptionalFlags(['predict', '--', '--tta-flip', 'v']), ['predict', '--', '--tta-flip', 'v']);
  for (const flip of ['h', 'v', 'hv']) assert.deepEqual(inferOverrides({ 'tta-flip': flip }), { infer: { flip } });
});

test('a bad --tta-flip value names the flag and the valid directions', () => {
  const valid = /--tta-flip: unknown value "(x|VH|vh|hvh|)"; valid: h, v, hv \(h left-right/;
  for (const bad of ['x', 'VH', '']) {
    const flip = parse(['eval', `--tta-flip=${bad}`]).flip;
    assert.equal(flip, bad);
    assert.throws(() => inferOverrides({ 'tta-flip': flip }), valid, bad);
  }
  // Separated: letters h and v only are a misspelt direction, refused before parsing.
  for (const bad of ['vh', 'VH', 'hvh']) assert.throws(() => normalizeOptionalFlags(['eval', '--tta-flip', bad]), valid, bad);
});
