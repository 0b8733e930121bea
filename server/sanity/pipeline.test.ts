import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { SanityDiagnostic, SanityStepReport, SanityVerdict } from '../protocol';
import { SANITY_STEPS } from '../protocol';
import { selectBackend } from '../backend/ladder';
import { runSanity } from './pipeline';
import { transpileModule } from './transpile';
import { callBuild, loadBundle } from './userModule';
import { createContext } from './context';
import { buildPosition, example, markerPosition, tempFolder } from './testing';

before(async () => {
  await selectBackend({ prefer: 'wasm' });
});

const small = { size: 32, batchSize: 2, steps: 3 };

async function sanity(modulePath: string, opts: { configPath?: string; settings?: object } = {}): Promise<{ v: SanityVerdict; steps: SanityStepReport[] }> {
  const steps: SanityStepReport[] = [];
  const job = { runId: 't', configPath: opts.configPath ?? null, cwd: path.dirname(modulePath), modulePath, settings: opts.settings ?? small };
  const v = await runSanity(job, (s) => steps.push(s), 'wasm');
  return { v, steps };
}

function only(v: SanityVerdict, code: string): SanityDiagnostic {
  const found = v.diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `one ${code} diagnostic expected; got ${JSON.stringify(v.diagnostics)}`);
  return found[0];
}

function assertAt(d: SanityDiagnostic, file: string, at: { line: number; column: number }): void {
  assert.equal(d.file, file);
  assert.deepEqual({ line: d.line, column: d.column }, at);
}

const BROKEN: { name: string; code: string; token: string; severity: 'error' | 'warning'; status: string; message: RegExp; file?: string }[] = [
  { name: 'syntax.ts', code: 'syntax', token: ';', severity: 'error', status: 'failed', message: /Unexpected ";"/ },
  // At 32x32: two valid 3x3 convs give a 28x28 skip; pooled to 14, two convs give 10, up-convolved 20.
  { name: 'concatMismatch.ts', code: 'concat-mismatch', token: 'concatenate', severity: 'error', status: 'failed', message: /Concatenate 'cat1' cannot join 'enc1_b' \[N,28,28,4\] and 'up1' \[N,20,20,4\].*CenterCrop2D.*padding: 'same'/ },
  { name: 'wrongClasses.ts', code: 'output-channels', token: 'conv2d', severity: 'error', status: 'failed', message: /'head' has 3 channels but the data has 2 classes/ },
  { name: 'softmaxOutput.ts', code: 'double-softmax', token: 'activation', severity: 'error', status: 'failed', message: /'probs' applies softmax.*take logits/ },
  { name: 'throwsInBuild.ts', code: 'build-error', token: 'new Error', severity: 'error', status: 'failed', message: /build\(ctx\) threw: input side 32 is not a multiple of 48/, file: 'lib/shapes.ts' },
  { name: 'deadLayer.ts', code: 'dead-layer', token: 'conv2d', severity: 'warning', status: 'passed', message: /'side' got no gradient.*kernel, bias/ },
  { name: 'nanLoss.ts', code: 'nan-loss', token: 'conv2d', severity: 'error', status: 'failed', message: /first layer whose output is not finite is 'blown'/ },
];

for (const b of BROKEN) {
  test(`broken/${b.name}: ${b.code} at the marked line and column`, async () => {
    const file = example(path.join('broken', b.file ?? b.name));
    const { v } = await sanity(example(path.join('broken', b.name)));
    assert.equal(v.status, b.status);
    assert.deepEqual(v.diagnostics.map((x) => x.code), [b.code], 'exactly one diagnostic');
    const d = v.diagnostics[0];
    assertAt(d, file, markerPosition(file, b.token));
    assert.equal(d.severity, b.severity);
    assert.match(d.message, b.message);
    assert.equal(d.endLine, d.line);
    assert.ok((d.endColumn as number) > d.column);
  });
}

test('the example U-Net passes: loss falls, params equal the sum of its weight sizes, no tensor leaks', async () => {
  const file = example('unet.ts');
  const tensorsBefore = tf.memory().numTensors;
  const { v, steps } = await sanity(file, { settings: { size: 32, batchSize: 2, steps: 4 } });
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(v.status, 'passed', JSON.stringify(v.diagnostics));
  assert.deepEqual(v.diagnostics, []);
  assert.deepEqual(steps.map((s) => s.name), [...SANITY_STEPS]);
  assert.ok(steps.every((s) => s.status === 'ok' && s.seconds >= 0));
  assert.equal(v.losses.length, 4);
  assert.ok(v.losses[3] < v.losses[0]);
  assert.deepEqual(v.outputShape, [2, 32, 32, 2]);
  assert.deepEqual(v.expectedShape, [2, 32, 32, 2]);
  assert.equal(v.sample?.width, 32);
  assert.deepEqual(v.files, [file]);

  const t = transpileModule(file);
  assert.ok(t.ok);
  const model = callBuild(loadBundle(t.bundle), createContext([32, 32, 1], 2), t.bundle);
  const size = (ws: tf.LayerVariable[]): number => ws.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b as number), 1), 0);
  assert.deepEqual(v.params, { trainable: size(model.trainableWeights), nonTrainable: size(model.nonTrainableWeights) });
  model.dispose();
});

const TINY_HEAD = `
import * as tf from '@tensorflow/tfjs';
export function build(ctx: any): tf.LayersModel {
  const input = tf.input({ shape: ctx.inputShape });
  LEAK
  const x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  const logits = tf.layers.conv2d({ filters: ctx.classes, kernelSize: 1, activation: 'ACT' }).apply(x) as tf.SymbolicTensor; // <- expected
  return tf.model({ inputs: input, outputs: logits });
}
`;

test('a tensor left undisposed in build is a tensor-leak warning at build', async () => {
  const dir = tempFolder({ 'net.ts': TINY_HEAD.replace('LEAK', 'tf.ones([2, 2]);').replace('ACT', 'linear') });
  const file = path.join(dir, 'net.ts');
  const { v } = await sanity(file);
  const d = only(v, 'tensor-leak');
  assertAt(d, file, buildPosition(file));
  assert.match(d.message, /^1 tensor\(s\) stayed allocated.*1 created in build\(ctx\)/);
  assert.equal(v.status, 'passed');
});

test('a relu on the logits is a bounded-logits warning at the head', async () => {
  const dir = tempFolder({ 'net.ts': TINY_HEAD.replace('LEAK', '').replace('ACT', 'relu') });
  const file = path.join(dir, 'net.ts');
  const { v } = await sanity(file);
  const d = only(v, 'bounded-logits');
  assertAt(d, file, markerPosition(file, 'conv2d'));
  assert.equal(d.severity, 'warning');
});

test('a loss that cannot fall (learning rate 1e-30) is an error at build', async () => {
  const config = JSON.stringify({ train: { optimizer: { type: 'sgd', lr: 1e-30, momentum: 0 } } });
  const dir = tempFolder({ 'net.ts': TINY_HEAD.replace('LEAK', '').replace('ACT', 'linear'), 'seglab.json': config });
  const file = path.join(dir, 'net.ts');
  const { v } = await sanity(file, { configPath: path.join(dir, 'seglab.json') });
  assert.equal(v.status, 'failed');
  const d = only(v, 'loss-not-falling');
  assertAt(d, file, buildPosition(file));
  assert.match(d.message, /did not fall in 3 steps/);
});

test('a module without build, and a build returning no model, are no-build errors', async () => {
  const dir = tempFolder({
    'none.ts': 'export const nothing = 1;\n',
    'promise.ts': 'export async function build(ctx: any) {\n  return ctx;\n}\n',
  });
  const none = (await sanity(path.join(dir, 'none.ts'))).v;
  assertAt(only(none, 'no-build'), path.join(dir, 'none.ts'), { line: 1, column: 1 });
  assert.match(none.message, /exports no `build` function/);
  const promise = (await sanity(path.join(dir, 'promise.ts'))).v;
  assertAt(only(promise, 'no-build'), path.join(dir, 'promise.ts'), { line: 1, column: 23 });
  assert.match(promise.message, /returned a Promise \(build must be synchronous\)/);
});

test('a broken seglab.json is a config diagnostic at its line, and the other steps are skipped', async () => {
  const dir = tempFolder({ 'seglab.json': '{\n  "model": {\n    "module": "net.ts",,\n  }\n}\n', 'net.ts': 'export {};\n' });
  const { v, steps } = await sanity(path.join(dir, 'net.ts'), { configPath: path.join(dir, 'seglab.json') });
  assert.equal(v.status, 'failed');
  const d = only(v, 'config');
  assert.equal(d.file, path.join(dir, 'seglab.json'));
  assert.equal(d.line, 3);
  assert.deepEqual(steps.map((s) => s.status), ['failed', ...new Array(SANITY_STEPS.length - 1).fill('skipped')]);
});

const VIA_BLOCKS = `import * as tf from '@tensorflow/tfjs';
export function build(ctx: any): tf.LayersModel {
  const input = tf.input({ shape: ctx.inputShape });
  const opts = { padding: 'valid', useBatchnorm: false, batchNormMomentum: 0.9 };
  const skip = ctx.blocks.doubleConv(input, 4, opts, 'enc');
  const up = ctx.blocks.upsample2x(ctx.blocks.maxPool2x2(skip, 'pool'), 4, 'transpose', 'dec');
  const joined = ctx.blocks.skipConcat(input, up, false, 'dec'); // <- expected
  return tf.model({ inputs: input, outputs: ctx.blocks.segmentationHead(joined, ctx.classes) });
}
`;

test('a layer made inside a SegLab block is located at the user line that called the block; hooks are removed after', async () => {
  const factory = tf.layers.concatenate;
  const apply = tf.layers.Layer.prototype.apply;
  const dir = tempFolder({ 'net.ts': VIA_BLOCKS });
  const file = path.join(dir, 'net.ts');
  const { v } = await sanity(file);
  // 32 - 2 - 2 = 28 after the valid double conv, pooled to 14 and up-convolved back to 28; the input is 32.
  const d = only(v, 'concat-mismatch');
  assertAt(d, file, markerPosition(file, 'skipConcat'));
  assert.match(d.message, /Concatenate 'dec_concat' cannot join '\w+' \[N,32,32,1\] and 'dec_up' \[N,28,28,4\]/);
  assert.equal(tf.layers.concatenate, factory);
  assert.equal(tf.layers.Layer.prototype.apply, apply);
});

test('a skip joined before upsampling (exactly twice the size) is told the missing upsampling, not cropping', async () => {
  const src = VIA_BLOCKS.replace("ctx.blocks.skipConcat(input, up, false, 'dec')", "tf.layers.concatenate({ name: 'cat' }).apply([skip, ctx.blocks.maxPool2x2(skip, 'p2')]) as tf.SymbolicTensor");
  const dir = tempFolder({ 'net.ts': src });
  const file = path.join(dir, 'net.ts');
  const { v } = await sanity(file);
  // The valid double conv gives 28x28; pooling it gives 14x14: the skip is exactly twice the size.
  const d = only(v, 'concat-mismatch');
  assertAt(d, file, markerPosition(file, 'concatenate'));
  assert.match(d.message, /\[N,28,28,4\] and '\w+' \[N,14,14,4\].*exactly twice the size.*concatenate before upsampling/);
  assert.doesNotMatch(d.message, /CenterCrop2D/);
});

test('an Add of two different sizes is a merge-mismatch at the add', async () => {
  const src = VIA_BLOCKS.replace("ctx.blocks.skipConcat(input, up, false, 'dec')", "tf.layers.add({ name: 'sum' }).apply([skip, input]) as tf.SymbolicTensor");
  const dir = tempFolder({ 'net.ts': src });
  const file = path.join(dir, 'net.ts');
  const { v } = await sanity(file);
  const d = only(v, 'merge-mismatch');
  assertAt(d, file, markerPosition(file, 'add('));
  assert.match(d.message, /^Add 'sum' cannot combine '\w+' \[N,28,28,4\] and '\w+' \[N,32,32,1\]/);
});
