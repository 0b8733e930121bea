import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, lineCol, loadConfig, validateConfig } from './load';
import { seglabJsonSchema, SCHEMA_PATH } from './writeSchema';
import { ENCODER_NAMES } from './schema';

test('an empty config is the built-in default: synthetic cells, U-Net base 16, BatchNorm momentum 0.9', () => {
  const c = validateConfig({}, 'seglab.json', '/p');
  assert.equal(c.data.type, 'synthetic');
  assert.equal(c.model.arch, 'unet');
  assert.equal(c.model.baseFilters, 16);
  assert.equal(c.model.batchNormMomentum, 0.9);
  assert.deepEqual(c.train.loss, [{ type: 'ce', weight: 1, smooth: 1 }]);
  assert.equal(c.output.runsDir, path.resolve('/p', 'runs'));
});

test('no --config and no seglab.json: the built-in default, marked as such', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-cfg-'));
  assert.equal(loadConfig(undefined, dir).source, null);
  fs.rmSync(dir, { recursive: true });
});

test('paths are resolved relative to the config file', () => {
  const c = validateConfig(
    { data: { type: 'maskFolder', train: { images: 'img', masks: 'lbl' }, split: { count: 1 }, classes: 2 } },
    'x.json',
    '/data/proj',
  );
  assert.ok(c.data.type === 'maskFolder');
  assert.equal(c.data.train.images, path.resolve('/data/proj/img'));
});

test('every problem is listed with the field, the quoted value and the valid options', () => {
  assert.throws(
    () => validateConfig({ backend: 'gpu', input: { size: 0 }, model: { padding: 'full', extra: 1 } }, 'seglab.json', '/'),
    (e: unknown) =>
      e instanceof ConfigError &&
      /seglab\.json: 4 problems/.test(e.message) &&
      /`backend`: got "gpu"; valid options: "auto", "node-gpu", "webgpu", "node", "wasm", "cpu"/.test(e.message) &&
      /`model\.padding`: got "full"; valid options: "same", "valid"/.test(e.message) &&
      /`model`: unknown field "extra"; remove it or check the spelling/.test(e.message) &&
      /`input\.size`: got 0/.test(e.message),
  );
});

test('an unknown data type lists the valid ones; a missing required field says so', () => {
  assert.throws(() => validateConfig({ data: { type: 'voc' } }, 'c.json', '/'), /`data\.type`: got "voc"; valid options: "synthetic", "maskFolder", "coco"/);
  assert.throws(
    () => validateConfig({ data: { type: 'maskFolder', split: { count: 1 }, classes: 2 } }, 'c.json', '/'),
    /`data\.train` is required/,
  );
});

test('cross-field checks: val or split, class names per class, label map targets', () => {
  const base = { type: 'maskFolder', train: { images: 'a', masks: 'b' }, classes: 2 };
  assert.throws(() => validateConfig({ data: base }, 'c.json', '/'), /give either `val` folders or a `split`/);
  assert.throws(
    () => validateConfig({ data: { ...base, split: { count: 1 }, classNames: ['a'] } }, 'c.json', '/'),
    /`data\.classNames`: 1 names for 2 classes/,
  );
  assert.throws(
    () => validateConfig({ data: { ...base, split: { count: 1 }, labelMap: { '255': 7 } } }, 'c.json', '/'),
    /`data\.labelMap\.255`: class 7 is not below `data\.classes` \(2\)/,
  );
});

test('a JSON syntax error names the line and column; a missing file says how to fix it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-cfg-'));
  fs.writeFileSync(path.join(dir, 's.json'), '{\n  "train": {\n    "epochs": 3,\n  }\n}\n');
  assert.throws(() => loadConfig('s.json', dir), /s\.json:4:3: invalid JSON/);
  assert.throws(() => loadConfig('missing.json', dir), /missing\.json: cannot read the config \(no such file\)\. Pass --config/);
  fs.rmSync(dir, { recursive: true });
});

test('lineCol counts from 1', () => {
  assert.deepEqual(lineCol('ab\ncd', 4), { line: 2, column: 2 });
});

test('the committed JSON Schema is the one generated from the zod schema (run `npm run schema` after changes)', () => {
  const committed = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', SCHEMA_PATH), 'utf8'));
  assert.deepEqual(committed, seglabJsonSchema());
});

test('loss-term fields are only accepted by the terms that use them', () => {
  assert.throws(
    () => validateConfig({ train: { loss: [{ type: 'dice', gamma: 2 }, { type: 'focal', perImage: true }] } }, 'c.json', '/'),
    (e: unknown) =>
      e instanceof ConfigError &&
      /`train\.loss\[0\]\.gamma`: only 'focal', 'unet3plus' take it, not 'dice'/.test(e.message) &&
      /`train\.loss\[1\]\.perImage`: only 'lovasz' takes it, not 'focal'/.test(e.message),
  );
});

test('encoder models: the zoo encoders are accepted, other archs need one, valid padding is the classic U-Net only', async () => {
  const { ENCODER_NAMES: registry } = await import('../models/encoders/index.js');
  assert.deepEqual([...ENCODER_NAMES], [...registry]);
  const c = validateConfig({ model: { arch: 'deeplabv3plus', encoderName: 'resnet50', encoderOutputStride: 16 } }, 'c.json', '/');
  assert.equal(c.model.encoderName, 'resnet50');
  assert.equal(c.model.encoderDepth, 5); // smp's default with an encoder; the classic U-Net's is 4
  assert.equal(validateConfig({}, 'c.json', '/').model.encoderDepth, 4);
  assert.throws(() => validateConfig({ model: { arch: 'unet3plus' } }, 'c.json', '/'), /`model\.encoderName`: 'unet3plus' needs an encoder/);
  assert.throws(
    () => validateConfig({ model: { encoderName: 'resnet18', padding: 'valid' } }, 'c.json', '/'),
    /`model\.padding`: 'valid' is the classic U-Net's/,
  );
  assert.throws(() => validateConfig({ model: { encoderName: 'resnet9' } }, 'c.json', '/'), /`model\.encoderName`: got "resnet9"; valid options: "resnet18"/);
});
