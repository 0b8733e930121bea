import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {MODELS, MODEL_ARCHS, createModel} from './registry';
import {UNET_DEFAULTS} from './unet/model';

describe('model registry', () => {
  test('createModel builds the named architecture', () => {
    const model = createModel({...UNET_DEFAULTS, inChannels: 1, classes: 2, baseFilters: 2, encoderDepth: 1}, [8, 8]);
    assert.deepEqual(model.outputShape, [null, 8, 8, 2]);
    model.dispose();
    assert.deepEqual([...MODEL_ARCHS], ['unet']);
    assert.ok(Object.isFrozen(MODELS) && Object.isFrozen(MODELS.unet));
  });

  test('unknown arch lists the valid ones', () => {
    const cfg = {...UNET_DEFAULTS, inChannels: 1, classes: 2, arch: 'segnet'} as unknown as Parameters<typeof createModel>[0];
    assert.throws(() => createModel(cfg), /model\.arch "segnet" is unknown; valid: unet/);
  });
});
