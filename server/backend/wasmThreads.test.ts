import * as assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {describe, test} from 'node:test';
import {requestedWasmThreads, WASM_THREADS_ENV} from './wasmThreads';

/** Runs `script` in a fresh Node with `env` added; the child must exit on its own (no process.exit). */
function run(script: string, env: NodeJS.ProcessEnv): Promise<{stdout: string; stderr: string; code: number | string}> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', script], {timeout: 120_000, env: {...process.env, ...env}}, (err, stdout, stderr) => {
      const e = err as {code?: number | string; killed?: boolean} | null;
      resolve({stdout: String(stdout), stderr: String(stderr), code: e == null ? 0 : e.killed ? 'killed (did not exit)' : (e.code ?? 1)});
    });
  });
}

const ladder = JSON.stringify(require.resolve('./ladder'));
const registry = JSON.stringify(require.resolve('../models/registry'));
const tfjs = JSON.stringify(require.resolve('@tensorflow/tfjs'));

/**
 * Selects wasm, then trains a small U-Net (BatchNorm, up-convs: every added training kernel) for two Adam steps from
 * weights set by formula, and prints the detail line and the bytes of every weight afterwards, in hex.
 */
const TRAIN_TWO_STEPS = `
const tf = require(${tfjs});
require(${ladder}).selectBackend({prefer: 'wasm'}).then(async (r) => {
  const model = require(${registry}).createModel({arch: 'unet', inChannels: 1, classes: 3, encoderDepth: 2, baseFilters: 8,
    padding: 'same', decoderUseBatchnorm: true, batchNormMomentum: 0.9, upsampling: 'transpose', dropout: 0}, [32, 32]);
  model.setWeights(model.getWeights().map((w, i) => tf.tidy(() =>
    tf.sin(tf.range(0, w.size).mul(0.37 + i * 0.01)).mul(0.2).reshape(w.shape))));
  const x = tf.tidy(() => tf.cos(tf.range(0, 2 * 32 * 32).mul(0.05)).reshape([2, 32, 32, 1]));
  const y = tf.tidy(() => tf.oneHot(tf.range(0, 2 * 32 * 32).mod(3).toInt(), 3).reshape([2, 32, 32, 3]));
  const opt = tf.train.adam(1e-2);
  for (let step = 0; step < 2; step++) {
    opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, {training: true})));
  }
  const bytes = [];
  for (const w of model.getWeights()) bytes.push(Buffer.from((await w.data()).buffer).toString('hex'));
  process.stdout.write(r.detail + '\\n' + bytes.join(',') + '\\n');
});`;

describe('WASM threads in Node', () => {
  test('thread count: one per core by default (at most 8), set by SEGLAB_WASM_THREADS', () => {
    assert.equal(requestedWasmThreads({}, 2), 2);
    assert.equal(requestedWasmThreads({}, 1), 1);
    assert.equal(requestedWasmThreads({}, 64), 8);
    assert.equal(requestedWasmThreads({[WASM_THREADS_ENV]: '1'}, 4), 1);
    assert.equal(requestedWasmThreads({[WASM_THREADS_ENV]: ' 3 '}, 2), 3);
    assert.equal(requestedWasmThreads({[WASM_THREADS_ENV]: ''}, 2), 2);
    for (const bad of ['0', '9', '1.5', 'two', '-1']) {
      assert.throws(
        () => requestedWasmThreads({[WASM_THREADS_ENV]: bad}, 2),
        new RegExp(`^Error: SEGLAB_WASM_THREADS="${bad.replace('.', '\\.')}" is not a thread count: use a whole number from 1 to 8`),
      );
    }
  });

  test('two threads train bit for bit like one, and the process exits with the pool idle', async () => {
    const one = await run(TRAIN_TWO_STEPS, {[WASM_THREADS_ENV]: '1'});
    const two = await run(TRAIN_TWO_STEPS, {[WASM_THREADS_ENV]: '2'});
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    const [detailOne, weightsOne] = one.stdout.trim().split('\n');
    const [detailTwo, weightsTwo] = two.stdout.trim().split('\n');
    assert.match(detailOne, /^wasm \((SIMD|no SIMD), 1 thread, training kernels added\)$/);
    assert.match(detailTwo, /^wasm \((SIMD|no SIMD), 2 threads, training kernels added\)$/);
    assert.ok(weightsOne.length > 1000, 'the weights were printed');
    assert.ok(weightsOne === weightsTwo, 'weights after two Adam steps differ between one and two threads');
    assert.equal(two.stderr, '');
  });

  test('the worker script is written once per temp folder, and a damaged copy is replaced, not loaded', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-threads-'));
    const select = `require(${ladder}).selectBackend({prefer: 'wasm'}).then((r) => process.stdout.write(r.detail + '\\n'))`;
    const first = await run(select, {[WASM_THREADS_ENV]: '2', TMPDIR: tmp});
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /, 2 threads,/);
    const dir = path.join(tmp, 'seglab-wasm');
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 1, `one worker script, got ${files.join(', ')}`);
    const script = path.join(dir, files[0]);
    const good = fs.readFileSync(script, 'utf8');
    fs.writeFileSync(script, 'throw new Error("damaged");');
    const again = await run(select, {[WASM_THREADS_ENV]: '2', TMPDIR: tmp});
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /, 2 threads,/);
    assert.equal(fs.readFileSync(script, 'utf8'), good);
    assert.deepEqual(fs.readdirSync(dir), files, 'no temporary files left behind');
    fs.rmSync(tmp, {recursive: true, force: true});
  });

  test('a bad SEGLAB_WASM_THREADS or an unwritable temp folder keeps WASM, single-threaded, and says why', async () => {
    const select = `require(${ladder}).selectBackend({}).then((r) => process.stdout.write(r.name + '|' + r.detail + '\\n'))`;
    const bad = await run(select, {[WASM_THREADS_ENV]: 'lots'});
    assert.equal(bad.code, 0, bad.stderr);
    assert.match(bad.stdout, /^wasm\|wasm \(.*, 1 thread, training kernels added; single-threaded: SEGLAB_WASM_THREADS="lots" is not a thread count: .*\)\n$/);

    const notADir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-threads-')), 'file');
    fs.writeFileSync(notADir, '');
    const noTmp = await run(select, {[WASM_THREADS_ENV]: '2', TMPDIR: notADir});
    assert.equal(noTmp.code, 0, noTmp.stderr);
    assert.match(noTmp.stdout, /^wasm\|wasm \(.*, 1 thread, training kernels added; single-threaded: ENOTDIR.*\)\n$/);
    fs.rmSync(path.dirname(notADir), {recursive: true, force: true});
  });
});
