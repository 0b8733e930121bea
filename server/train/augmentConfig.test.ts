import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, validateConfig } from '../config/load';
import { AUGMENT_PRESETS } from '../data/augment/spec';
import { augmentTable } from '../data/augment/docs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { augmentStepsOf, describeAugment } from './augmentConfig';

const augmentOf = (augment: unknown) => validateConfig({ train: { augment } }, 'seglab.json', '/').train.augment;
const fails = (augment: unknown, re: RegExp) =>
  assert.throws(() => augmentOf(augment), (e: unknown) => e instanceof ConfigError && re.test(e.message), `for ${JSON.stringify(augment)}`);

test("the default is the preset 'flips': flips and quarter turns", () => {
  const a = validateConfig({}, 'seglab.json', '/').train.augment;
  assert.equal(a, 'flips');
  assert.deepEqual(augmentStepsOf(a), [{ type: 'hflip' }, { type: 'vflip' }, { type: 'rot90' }]);
});

test('a preset name stands for its steps; none for no steps', () => {
  assert.deepEqual(augmentStepsOf(augmentOf('unetPaper')), AUGMENT_PRESETS.unetPaper);
  assert.deepEqual(augmentStepsOf(augmentOf('none')), []);
});

test('a list of steps is validated with every default filled in', () => {
  const steps = augmentStepsOf(augmentOf([{ type: 'rotate', p: 1 }, { type: 'elastic', sigma: 8 }]));
  assert.deepEqual(steps[0], { type: 'rotate', p: 1, degrees: 15, interpolation: 'bilinear', border: 'reflect', fill: 0 });
  assert.equal((steps[1] as { sigma: number; grid: number }).sigma, 8);
  assert.equal((steps[1] as { sigma: number; grid: number }).grid, 3);
  assert.equal(describeAugment(augmentOf([{ type: 'rotate' }, { type: 'cutout' }])), 'rotate, cutout');
});

test('the older {hflip, vflip, rot90} form still works', () => {
  assert.deepEqual(augmentStepsOf(augmentOf({ hflip: false, rot90: false })), [{ type: 'vflip' }]);
});

test('bad settings name the field, quote the value and list what is valid', () => {
  fails('flip', /`train.augment`: got "flip"; valid options: "flips", "unetPaper", "mmseg", "none"/);
  fails([{ type: 'hflip' }, { type: 'twirl' }], /`train.augment\[1\].type`: got "twirl"; valid options: "hflip", "vflip", "rot90", "rotate"/);
  fails([{ type: 'rotate', degrees: 500 }], /`train.augment\[0\].degrees`: got 500/);
  fails([{ type: 'gamma', gama: 1 }], /`train.augment\[0\]`: unknown field "gama"/);
});

test('loader: workers auto by default, a whole number otherwise', () => {
  const c = validateConfig({}, 'seglab.json', '/');
  assert.deepEqual(c.train.loader, { workers: 'auto' });
  assert.equal(validateConfig({ train: { loader: { workers: 2, prefetch: 6 } } }, 'seglab.json', '/').train.loader.prefetch, 6);
  assert.throws(() => validateConfig({ train: { loader: { workers: -1 } } }, 'seglab.json', '/'), /`train.loader.workers`/);
});

test('the README lists every augmentation step with its parameters and defaults, as generated from the schema', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  assert.ok(readme.includes(augmentTable()), 'README.md is missing the current augmentTable(); regenerate the table in its Augmentation section');
});
