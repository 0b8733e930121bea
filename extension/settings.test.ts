import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, backendForJob, validateSettings } from './settings';

describe('validateSettings', () => {
  test('valid values pass through, missing ones take defaults', () => {
    assert.deepEqual(validateSettings({}), { settings: DEFAULT_SETTINGS, problems: [] });
    const r = validateSettings({ backend: 'wasm', runsFolder: ' out/runs ', autoOpenDashboard: false });
    assert.deepEqual(r.settings, { backend: 'wasm', runsFolder: 'out/runs', autoOpenDashboard: false });
    assert.deepEqual(r.problems, []);
  });

  test('bad values are named, quoted and replaced by defaults', () => {
    const r = validateSettings({ backend: 'cuda', runsFolder: 42, autoOpenDashboard: 'yes' });
    assert.deepEqual(r.settings, DEFAULT_SETTINGS);
    assert.equal(r.problems.length, 3);
    assert.match(r.problems[0], /seglab\.backend "cuda" is not a backend; use one of auto, node-gpu, webgpu, node, wasm, cpu/);
    assert.match(r.problems[1], /seglab\.runsFolder 42 must be a folder path/);
    assert.match(r.problems[2], /seglab\.autoOpenDashboard "yes" must be true or false/);
  });

  test('auto leaves the backend to the ladder', () => {
    assert.equal(backendForJob(DEFAULT_SETTINGS), undefined);
    assert.equal(backendForJob({ ...DEFAULT_SETTINGS, backend: 'cpu' }), 'cpu');
  });
});
