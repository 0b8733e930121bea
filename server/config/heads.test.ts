/** Config checks of the model-zoo extras: deep supervision, CGM, pruning, encoder weights, freezing, padToStride. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadConfig, validateConfig } from './load';

const check = (over: object) => validateConfig(over, 'seglab.json', '/proj');
const fails = (over: object, re: RegExp) => assert.throws(() => check(over), (e: unknown) => e instanceof ConfigError && re.test(e.message));

test('defaults: no extra heads, nothing frozen, no padding', () => {
  const c = check({});
  assert.equal(c.model.deepSupervision, false);
  assert.equal(c.model.cgm, false);
  assert.equal(c.model.pruneLevel, undefined);
  assert.equal(c.train.freezeEncoderEpochs, 0);
  assert.equal(c.train.cgmLossWeight, 1);
  assert.equal(c.input.padToStride, false);
});

test('deep supervision and its weights belong to U-Net++ / U-Net 3+', () => {
  fails({ model: { arch: 'deeplabv3', encoderName: 'resnet18', deepSupervision: true } }, /`model.deepSupervision`: only 'unetplusplus' and 'unet3plus'.*not 'deeplabv3'/);
  fails({ model: { arch: 'unetplusplus', encoderName: 'resnet18' }, train: { deepSupervisionWeights: [1, 1] } }, /set `model.deepSupervision: true` too/);
  const ok = check({ model: { arch: 'unetplusplus', encoderName: 'resnet18', deepSupervision: true }, train: { deepSupervisionWeights: [1, 0.5, 0.5, 0.5, 0.5] } });
  assert.deepEqual(ok.train.deepSupervisionWeights, [1, 0.5, 0.5, 0.5, 0.5]);
});

test('the CGM belongs to U-Net 3+', () => {
  fails({ model: { arch: 'unetplusplus', encoderName: 'resnet18', cgm: true } }, /`model.cgm`: .*'unet3plus'.*not 'unetplusplus'/);
  assert.equal(check({ model: { arch: 'unet3plus', encoderName: 'resnet18', cgm: 'multiclass' } }).model.cgm, 'multiclass');
});

test('pruning: U-Net++ only, at most encoderDepth, below it only with deep supervision', () => {
  fails({ model: { arch: 'unet3plus', encoderName: 'resnet18', pruneLevel: 2 } }, /only 'unetplusplus'.*can be pruned/);
  fails({ model: { arch: 'unetplusplus', encoderName: 'resnet18', encoderDepth: 3, pruneLevel: 4 } }, /`model.pruneLevel`: got 4; give 1 to encoderDepth \(3\)/);
  fails({ model: { arch: 'unetplusplus', encoderName: 'resnet18', pruneLevel: 2 } }, /2 needs `model.deepSupervision: true`/);
  assert.equal(check({ model: { arch: 'unetplusplus', encoderName: 'resnet18', deepSupervision: true, pruneLevel: 2 } }).model.pruneLevel, 2);
});

test('encoder weights and freezing need an encoder; the weights path is resolved against the config file', () => {
  fails({ model: { encoderWeights: 'w' } }, /`model.encoderWeights`: only encoder models/);
  fails({ train: { freezeEncoderEpochs: 2 } }, /`train.freezeEncoderEpochs`: only encoder models/);
  const c = check({ model: { arch: 'unet', encoderName: 'resnet18', encoderWeights: 'weights/enc' }, train: { freezeEncoderEpochs: 2 } });
  assert.equal(c.model.encoderWeights, path.resolve('/proj', 'weights/enc'));
});

test('padToStride is for padded models', () => {
  fails({ model: { padding: 'valid' }, input: { padToStride: true } }, /`input.padToStride`: the valid-convolution U-Net/);
});

test('every example config in examples/ is valid', () => {
  const dir = path.join(__dirname, '..', '..', '..', 'examples');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 3);
  for (const f of files) loadConfig(path.join(dir, f));
});
