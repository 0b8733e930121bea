// The latest sanity model: a real sanity run of the example U-Net hands over its fitted model, which is saved as
// a run folder for whole images, and the preview's own code (runModel, Predictor) resolves, loads and predicts it.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { SanityVerdict } from '../protocol';
import { selectBackend } from '../backend/ladder';
import { loadConfig } from '../config/load';
import { writePng } from '../data/image';
import { loadModel } from '../train/checkpoint';
import { Predictor } from '../preview/predictor';
import { listSanityModels, resolveCheckpoint, sanityModelDir } from '../preview/runModel';
import { summariseRuns } from '../rpc/runsSummary';
import type { SanityBatch } from './batch';
import { createContext } from './context';
import { runSanity } from './pipeline';
import { disposeFitted, disposeVariablesExcept, FittedModel, SanityModelSaver, saveSanityModel } from './saveModel';
import { example, tempFolder } from './testing';
import { transpileModule } from './transpile';
import { callBuild, loadBundle } from './userModule';

before(async () => {
  await selectBackend({ prefer: 'wasm' });
});

const CONFIG = JSON.stringify({
  data: { type: 'synthetic', kind: 'cells', trainCount: 2, valCount: 1, size: 48, seed: 3 },
  model: { encoderDepth: 3 },
  output: { runsDir: 'runs' },
});

const decode = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));

describe('a sanity run of the example U-Net, saved and previewed', () => {
  let dir: string;
  let fitted: FittedModel | null = null;
  let verdict: SanityVerdict;
  let saved: string;
  const unet = example('unet.ts');

  before(async () => {
    dir = tempFolder({ 'seglab.json': CONFIG });
    const job = { runId: 's', configPath: path.join(dir, 'seglab.json'), cwd: dir, modulePath: unet, settings: { size: 32, batchSize: 2, steps: 3 } };
    const tensorsBefore = tf.memory().numTensors;
    verdict = await runSanity(job, () => undefined, 'wasm', (f) => (fitted = f));
    assert.ok(fitted, 'the run handed over its fitted model');
    assert.equal(tf.memory().numTensors, tensorsBefore + fitted.model.weights.length, 'only the handed-over model stays');
  });
  after(() => {
    if (fitted) disposeFitted(fitted);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the run passes without a leak warning although it keeps the model', () => {
    assert.equal(verdict.status, 'passed', verdict.message);
    assert.deepEqual(verdict.diagnostics, []);
  });

  test('the save writes a run folder under <runsDir>/.sanity that runModel resolves and run listings skip', async () => {
    const f = fitted as FittedModel;
    const tensors = tf.memory().numTensors;
    const r = await saveSanityModel(f, verdict);
    assert.equal(tf.memory().numTensors, tensors, 'the rebuilt model is disposed');
    assert.deepEqual(f.model.inputs[0].shape, [null, 32, 32, 1], 'the fitted model (built for the sanity size) is left alone');
    assert.ok('saved' in r, JSON.stringify(r));
    saved = r.saved;
    const runsDir = path.join(dir, 'runs');
    assert.equal(saved, sanityModelDir(runsDir, unet));
    assert.equal(path.dirname(saved), path.join(runsDir, '.sanity'));
    assert.equal(resolveCheckpoint(saved, 'last').dir, path.join(saved, 'last'));
    assert.deepEqual(listSanityModels(runsDir).map((m) => [m.dir, m.module, m.status, m.losses, m.size]), [[saved, unet, 'passed', verdict.losses, [32, 32]]]);
    assert.deepEqual(summariseRuns(runsDir), []);
    assert.deepEqual(fs.readdirSync(saved).sort(), ['config.json', 'last', 'run.json', 'sanity.json']);
  });

  test('the saved model takes any size ([N,N,1]) and holds exactly the fitted weights', async () => {
    const f = fitted as FittedModel;
    const model = await loadModel(path.join(saved, 'last'));
    try {
      assert.deepEqual(model.inputs[0].shape, [null, null, null, 1]);
      assert.equal(model.weights.length, f.model.weights.length);
      model.weights.forEach((w, i) => assert.deepEqual(w.read().dataSync(), f.model.weights[i].read().dataSync(), w.name));
    } finally {
      model.dispose();
    }
  });

  test('a Predictor loads it and predicts a 40x56 image (not the 32x32 sanity size) as a direct forward pass does', async () => {
    const image = path.join(dir, 'img.png');
    const H = 40;
    const W = 56;
    const pixels = Uint8Array.from({ length: H * W }, (_, i) => (i * 37 + Math.floor(i / W) * 11) % 256);
    await writePng(image, pixels, W, H, 1);
    const { mean, std } = (fitted as FittedModel).batch.normalize;
    const model = await loadModel(path.join(saved, 'last'));
    const direct = tf.tidy(() => {
      const x = tf.tensor4d(Float32Array.from(pixels, (v) => (v / 255 - mean[0]) / std[0]), [1, H, W, 1]);
      return tf.argMax(model.predict(x) as tf.Tensor, -1);
    });
    const expected = new Uint8Array(await direct.data());
    direct.dispose();
    model.dispose();
    const p = new Predictor(saved, 'last', tf.getBackend());
    try {
      const r = await p.predict({ imagePath: image, maxSide: 1024, mode: 'whole' });
      assert.deepEqual([r.sourceWidth, r.sourceHeight, r.width, r.height], [W, H, W, H]);
      assert.deepEqual(decode(r.pred), expected);
      assert.deepEqual(r.classNames, (fitted as FittedModel).batch.classNames);
    } finally {
      p.dispose();
    }
  });

  test('a sanity model whose layer class the preview does not know is a clear preview error', async () => {
    const copy = path.join(dir, 'runs', '.sanity', 'copy');
    fs.cpSync(saved, copy, { recursive: true });
    const file = path.join(copy, 'last', 'model.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { modelTopology: { config: { layers: { class_name: string }[] } } };
    json.modelTopology.config.layers[1].class_name = 'MyScale';
    fs.writeFileSync(file, JSON.stringify(json));
    const p = new Predictor(copy, 'last', tf.getBackend());
    try {
      await assert.rejects(p.predict({ imagePath: path.join(dir, 'img.png'), maxSide: 64 }), /the sanity model of unet\.ts .* uses the layer class 'MyScale', which previews cannot rebuild.*ctx\.layers/);
    } finally {
      p.dispose();
    }
  });
});

/** A module: `SRC` with `BODY` replaced; a 1x1 conv head named 'head' on the input. */
const SRC = `import * as tf from '@tensorflow/tfjs';
PRELUDE
export function build(ctx: any): tf.LayersModel {
  const input = tf.input({ shape: ctx.inputShape });
  let x: any = input;
  BODY
  const logits = tf.layers.conv2d({ filters: ctx.classes, kernelSize: 1, name: 'head' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}
`;

/** Builds `src` at 8x8 in-process and hands the (unfitted) model over, as a run would. */
function fittedOf(src: string, dir: string): FittedModel {
  const entry = path.join(dir, 'net.ts');
  fs.writeFileSync(entry, src);
  const t = transpileModule(entry);
  assert.ok(t.ok, JSON.stringify(!t.ok && t.diagnostics));
  const model = callBuild(loadBundle(t.bundle), createContext([8, 8, 1], 2), t.bundle);
  const batch = { shape: [1, 8, 8, 1], classes: 2, classNames: ['bg', 'fg'], ignoreIndex: 255, normalize: { mean: [0.5], std: [0.25] } } as unknown as SanityBatch;
  return { model, entry, bundle: t.bundle, cfg: loadConfig(path.join(dir, 'seglab.json')), batch, losses: [0.7, 0.5], backend: 'wasm' };
}

describe('saving problems are reported, and nothing is written', () => {
  const cases: { name: string; prelude?: string; body: string; why: RegExp }[] = [
    {
      name: 'build(ctx) that needs a fixed size',
      body: "if (ctx.inputShape[0] === null) throw new Error('this model needs a fixed input size');",
      why: /^build\(ctx\) for whole images \(ctx\.inputShape \[null, null, 1\]\) failed: .*net\.ts:\d+:\d+: .*this model needs a fixed input size/,
    },
    {
      // At 8x8 an extra conv (kernel + bias) comes before the head (kernel + bias): 4 weights; at [N,N,1] only the head's 2.
      name: 'build(ctx) that makes other layers for other sizes',
      body: "if (ctx.inputShape[0] !== null) x = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'extra' }).apply(x);",
      why: /^built for \[N,N,C\] it has 2 weights, built for 8x8 4: build\(ctx\) must make the same layers for any input size/,
    },
    {
      name: 'a layer class defined (and registered) by the module',
      prelude:
        "class Scale extends tf.layers.Layer { static className = 'Scale'; call(x: any) { return tf.mul(Array.isArray(x) ? x[0] : x, 2); } }\n" +
        'tf.serialization.registerClass(Scale);',
      body: "x = new Scale({ name: 'scale' }).apply(x);",
      why: /^layer 'scale' is a Scale defined by the module; previews load a saved model without running the module/,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const dir = tempFolder({ 'seglab.json': JSON.stringify({ output: { runsDir: 'runs' } }) });
      const f = fittedOf(SRC.replace('PRELUDE', c.prelude ?? '').replace('BODY', c.body), dir);
      const tensors = tf.memory().numTensors;
      const kept = f.model.weights.length;
      try {
        const r = await saveSanityModel(f, { status: 'passed' });
        assert.ok('skipped' in r, JSON.stringify(r));
        assert.match(r.skipped, c.why);
        assert.equal(fs.existsSync(path.join(dir, 'runs')), false);
        assert.equal(tf.memory().numTensors, tensors, 'the rebuilt model is disposed (a build that threw left no variables)');
      } finally {
        disposeFitted(f);
        disposeVariablesExcept(null);
      }
      assert.equal(tf.memory().numTensors, tensors - kept);
    });
  }

  test('an aborted save writes nothing', async () => {
    const dir = tempFolder({ 'seglab.json': JSON.stringify({ output: { runsDir: 'runs' } }) });
    const f = fittedOf(SRC.replace('PRELUDE', '').replace('BODY', ''), dir);
    try {
      assert.deepEqual(await saveSanityModel(f, { status: 'passed' }, () => true), { aborted: true });
      assert.equal(fs.existsSync(path.join(dir, 'runs')), false);
    } finally {
      disposeFitted(f);
    }
  });
});

describe('SanityModelSaver', () => {
  test('a save interrupted while it waits writes nothing and frees the clones; one left alone saves and logs', async () => {
    const dir = tempFolder({ 'seglab.json': JSON.stringify({ output: { runsDir: 'runs' } }) });
    const logs: string[] = [];
    const saver = new SanityModelSaver((m) => logs.push(m), 20);
    const tensors = tf.memory().numTensors;
    saver.schedule(fittedOf(SRC.replace('PRELUDE', '').replace('BODY', ''), dir), { status: 'passed' });
    assert.equal(tf.memory().numTensors, tensors + 2, 'the head kernel and bias are held');
    await saver.interrupt();
    assert.equal(tf.memory().numTensors, tensors);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(fs.existsSync(path.join(dir, 'runs')), false);
    assert.deepEqual(logs, []);

    saver.schedule(fittedOf(SRC.replace('PRELUDE', '').replace('BODY', ''), dir), { status: 'failed' });
    for (let i = 0; i < 1000 && logs.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const expectedDir = sanityModelDir(path.join(dir, 'runs'), path.join(dir, 'net.ts'));
    assert.deepEqual(logs, [`sanity model of net.ts saved to ${expectedDir}`]);
    assert.deepEqual(listSanityModels(path.join(dir, 'runs')).map((m) => [m.status, m.losses]), [['failed', [0.7, 0.5]]]);
    assert.equal(tf.memory().numTensors, tensors);
  });
});
