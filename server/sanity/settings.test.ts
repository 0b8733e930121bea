import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SeglabConfig } from '../config/schema';
import { DEFAULT_SANITY, resolveSanitySettings } from './settings';

test('defaults: 64x64, batch 2, 5 steps; the config section and overrides apply in that order', () => {
  assert.deepEqual(resolveSanitySettings(undefined), DEFAULT_SANITY);
  assert.deepEqual(DEFAULT_SANITY.size, [64, 64]);
  const s = resolveSanitySettings({ size: [48, 32], steps: 7 }, { steps: 2, timeBudgetSeconds: 5 });
  assert.deepEqual(s, { size: [48, 32], batchSize: 2, steps: 2, timeBudgetSeconds: 5, memoryLimitMb: 2048 });
});

test('a bad value names the field', () => {
  assert.throws(() => resolveSanitySettings({ batchSize: 0 }), /`sanity\.batchSize`/);
  assert.throws(() => resolveSanitySettings({}, { memoryLimitMb: 100 }), /`sanity\.memoryLimitMb`/);
  assert.throws(() => resolveSanitySettings({ stpes: 3 }), /`sanity`.*stpes/);
});

test('seglab.json takes model.module and a sanity section', () => {
  const cfg = SeglabConfig.parse({ model: { module: 'models/net.ts' }, sanity: { size: 32 } });
  assert.equal(cfg.model.module, 'models/net.ts');
  assert.equal(cfg.sanity.size, 32);
  assert.equal(SeglabConfig.parse({}).sanity.steps, 5);
});
