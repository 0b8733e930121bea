import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../config/load';
import { UserFacingError } from '../train/errors';
import { buildModel } from '../train/prepare';
import { buildModuleModel, callBuild, loadBundle, ModuleError } from './userModule';
import { transpileModule } from './transpile';
import { createContext } from './context';
import { tempFolder } from './testing';

tf.env().set('PROD', true);

const NET = `import * as tf from '@tensorflow/tfjs';
import * as core from '@tensorflow/tfjs-core';
export function build(ctx: any): tf.LayersModel {
  if (tf.layers !== ctx.tf.layers || core.Tensor !== ctx.tf.Tensor) throw new Error('a second tfjs instance');
  const input = tf.input({ shape: ctx.inputShape });
  const features = ctx.blocks.doubleConv(input, 4, { padding: 'same', useBatchnorm: false, batchNormMomentum: 0.9 }, 'stem');
  return tf.model({ inputs: input, outputs: ctx.blocks.segmentationHead(features, ctx.classes) });
}
`;

test("a module's @tensorflow/tfjs is the server's instance, and ctx blocks compose with it", () => {
  const dir = tempFolder({ 'net.ts': NET });
  const t = transpileModule(path.join(dir, 'net.ts'));
  assert.ok(t.ok);
  const before = tf.memory().numTensors;
  const model = callBuild(loadBundle(t.bundle), createContext([16, 16, 3], 5), t.bundle);
  assert.deepEqual(model.outputs[0].shape, [null, 16, 16, 5]);
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('the trainer builds model.module for any input size, seeded by train.seed', () => {
  const dir = tempFolder({ 'models/net.ts': NET, 'seglab.json': JSON.stringify({ model: { module: 'models/net.ts' } }) });
  const cfg = loadConfig(path.join(dir, 'seglab.json'));
  const meta = { classes: 3, classNames: ['a', 'b', 'c'], ignoreIndex: 255 };
  const a = buildModel(cfg, meta, 1);
  const b = buildModuleModel(cfg, meta, 1);
  assert.deepEqual(a.inputs[0].shape, [null, null, null, 1]);
  assert.deepEqual(a.outputs[0].shape, [null, null, null, 3]);
  assert.notEqual(a.getWeights()[0].dataSync()[0], 0);
  assert.deepEqual(a.getWeights()[0].dataSync(), buildModel(cfg, meta, 1).getWeights()[0].dataSync());
  assert.equal(b.layers.length, a.layers.length);
  tf.disposeVariables();
});

test('trainer errors name the module file, line and column, without a stack', () => {
  const dir = tempFolder({
    'bad.ts': 'export function build(ctx: any) {\n  return ctx.nothing.here;\n}\n',
    'seglab.json': JSON.stringify({ model: { module: 'bad.ts' } }),
  });
  const cfg = loadConfig(path.join(dir, 'seglab.json'));
  const meta = { classes: 2, classNames: ['a', 'b'], ignoreIndex: 255 };
  assert.throws(
    () => buildModuleModel(cfg, meta, 1),
    (err: unknown) => err instanceof UserFacingError && /^`model\.module` .*bad\.ts:2:22: build\(ctx\) threw: Cannot read properties of undefined/.test(err.message),
  );
  const withEncoder = { ...cfg, model: { ...cfg.model, encoderName: 'resnet18' as const } };
  assert.throws(() => buildModuleModel(withEncoder, meta, 1), /remove `model\.encoderName`/);
});

test('an exception while the module loads is a runtime-error at its line', () => {
  const dir = tempFolder({ 'top.ts': 'const n: number = 2;\nthrow new TypeError(`top level ${n}`);\n' });
  const t = transpileModule(path.join(dir, 'top.ts'));
  assert.ok(t.ok);
  assert.throws(
    () => loadBundle(t.bundle),
    (err: unknown) =>
      err instanceof ModuleError &&
      err.diagnostic.code === 'runtime-error' &&
      err.diagnostic.line === 2 &&
      err.diagnostic.column === 7 &&
      /top level 2/.test(err.message),
  );
});
