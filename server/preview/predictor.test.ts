// The predictor in-process on the committed fixture run (a real tiny U-Net on synthetic cells: 2 classes, 64×64
// gray), on the default (cpu) backend.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readImage, readMask, writePng } from '../data/image';
import { loadModel, readState, saveCheckpoint } from '../train/checkpoint';
import type { RunInfo } from '../train/prepare';
import { checkModelChannels, Predictor } from './predictor';
import { copyFixture, FixtureCopy } from './testing';
import { useVariant } from '../backend/testing';

const decode = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));

/** Argmax of one direct forward pass over the whole gray image (the fixture's normalisation is 'none': x / 255). */
async function directArgmax(ckDir: string, image: string): Promise<Uint8Array> {
  const model = await loadModel(ckDir);
  const img = await readImage(image, { channels: 1 });
  const out = tf.tidy(() => tf.argMax(model.predict(tf.tensor4d(Float32Array.from(img.data, (v) => v / 255), [1, img.height, img.width, 1])) as tf.Tensor, -1));
  const data = new Uint8Array(await out.data());
  out.dispose();
  model.dispose();
  return data;
}

/** IoU per class by the definition, counted separately for ∩ and ∪. */
function bruteIoU(pred: Uint8Array, gt: Uint8Array, classes: number, ignore: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let c = 0; c < classes; c++) {
    let inter = 0;
    let union = 0;
    for (let i = 0; i < pred.length; i++) {
      if (gt[i] === ignore) continue;
      if (pred[i] === c && gt[i] === c) inter++;
      if (pred[i] === c || gt[i] === c) union++;
    }
    out.push(union ? inter / union : null);
  }
  return out;
}

describe('Predictor (fixture run, in-process)', () => {
  let fx: FixtureCopy;
  let best: Predictor;
  before(async () => {
    await tf.setBackend('cpu'); // importing the wasm backend (last test) made it the default
    fx = copyFixture();
    best = new Predictor(fx.runDir, 'best', tf.getBackend());
  });
  after(() => {
    best.dispose();
    fx.cleanup();
  });

  test('predicts a dataset image at its own size with its ground truth and per-class IoU', async () => {
    const r = await best.predict({ imagePath: fx.image, maxSide: 1024 });
    assert.equal(r.mode, 'whole');
    assert.deepEqual([r.width, r.height, r.sourceWidth, r.sourceHeight], [64, 64, 64, 64]);
    const pred = decode(r.pred);
    assert.deepEqual(pred, await directArgmax(path.join(fx.runDir, 'best'), fx.image), 'same as one forward pass of the checkpoint');
    const gt = decode(r.gt ?? '');
    assert.deepEqual(gt, (await readMask(path.join(fx.masksDir, 'cells-15.png'))).data);
    assert.equal(r.gtSource, fs.realpathSync(path.join(fx.masksDir, 'cells-15.png')));
    assert.deepEqual(r.perClassIoU, bruteIoU(pred, gt, 2, 255));
    // The larger of 2 softmax probabilities is at least 1/2: 255/2 = 127.5 rounds to 128.
    assert.ok(decode(r.confidence).every((v) => v >= 128));
    const counts = [0, 1].map((c) => pred.filter((v) => v === c).length / pred.length);
    assert.deepEqual(r.classShares, counts);
    assert.deepEqual(r.classNames, ['boundary', 'cell']);
    assert.deepEqual(r.palette, [[0, 0, 0], [128, 0, 0]]);
  });

  test('leaves no tensors behind once the model is loaded', async () => {
    await best.predict({ imagePath: fx.image, maxSide: 1024 });
    const before = tf.memory().numTensors;
    await best.predict({ imagePath: fx.image, maxSide: 32 });
    assert.equal(tf.memory().numTensors, before);
  });

  test('large images slide; arrays are downscaled to maxSide, the prediction made at full size', async () => {
    const big = path.join(fx.root, 'big.png');
    const src = await readImage(fx.image, { channels: 3 }); // an RGB file: the model's gray input is converted from it
    const data = new Uint8Array(600 * 100 * 3);
    for (let y = 0; y < 100; y++) for (let x = 0; x < 600; x++) data.set(src.data.subarray(((y % 64) * 64 + (x % 64)) * 3, ((y % 64) * 64 + (x % 64)) * 3 + 3), (y * 600 + x) * 3);
    await writePng(big, data, 600, 100, 3);
    const r = await best.predict({ imagePath: big, maxSide: 300 });
    assert.equal(r.mode, 'slide', '600 > 1.5 × 64: two 128×512 windows');
    assert.deepEqual([r.width, r.height, r.sourceWidth, r.sourceHeight], [300, 50, 600, 100]);
    assert.equal(decode(r.pred).length, 300 * 50);
    assert.equal(r.gt, null);
    assert.equal(r.perClassIoU, null);
  });

  test('reloads the model when the checkpoint is rewritten', async () => {
    const before = decode((await best.predict({ imagePath: fx.image, maxSide: 1024 })).pred);
    assert.ok(before.includes(0) && before.includes(1), 'the trained model predicts both classes');
    // A new 'best': the same weights with the head's bias of class 1 raised by 100, so every pixel becomes class 1.
    const model = await loadModel(path.join(fx.runDir, 'best'));
    const head = model.layers[model.layers.length - 1];
    const [kernel, bias] = head.getWeights();
    const raised = tf.add(bias, tf.tensor1d([0, 100]));
    head.setWeights([kernel, raised]);
    const optimizer = tf.train.adam();
    await saveCheckpoint(path.join(fx.runDir, 'best'), model, optimizer, readState(path.join(fx.runDir, 'best')));
    raised.dispose();
    optimizer.dispose();
    model.dispose();
    assert.ok(decode((await best.predict({ imagePath: fx.image, maxSide: 1024 })).pred).every((v) => v === 1));
  });

  test('an unreadable image names the file and the fix', async () => {
    const bad = path.join(fx.root, 'broken.png');
    fs.writeFileSync(bad, 'this is not a PNG');
    await assert.rejects(best.predict({ imagePath: bad, maxSide: 1024 }), /broken\.png is not a readable image \(.*\): convert it to PNG/);
  });
});

describe('checkModelChannels', () => {
  const info = (channels: number) => ({ evalPrep: { channels } }) as unknown as RunInfo;

  test('a model whose input differs from run.json, or that takes neither 1 nor 3 channels, is refused', () => {
    const three = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 1, kernelSize: 1 })] });
    const four = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 4], filters: 1, kernelSize: 1 })] });
    try {
      assert.doesNotThrow(() => checkModelChannels(three, info(3), '/runs/r'));
      assert.throws(() => checkModelChannels(three, info(1), '/runs/r'), /\/runs\/r: the model takes 3 input channel\(s\) but run\.json says 1/);
      assert.throws(() => checkModelChannels(four, info(4), '/runs/r'), /takes 4 input channels; previews read images as gray \(1 channel\) or RGB \(3\): pick a run trained with `model.inChannels` 1 or 3/);
    } finally {
      three.dispose();
      four.dispose();
    }
  });
});

test('on wasm the convolutions run on SegLab kernels: the backend line says so, and the mask is a plain forward pass\'s', async () => {
  const previous = tf.getBackend();
  await useVariant('wasm-added');
  const fx = copyFixture();
  const p = new Predictor(fx.runDir, 'best', 'wasm');
  try {
    const r = await p.predict({ imagePath: fx.image, maxSide: 1024 });
    assert.equal(r.backend, 'wasm + SegLab kernels');
    const pred = decode(r.pred);
    const want = await directArgmax(path.join(fx.runDir, 'best'), fx.image);
    // the kernels round differently (~1e-5 relative): only a pixel on a near-tie could change class
    const differ = pred.filter((v, i) => v !== want[i]).length;
    assert.ok(differ <= pred.length / 1000, `${differ} of ${pred.length} pixels differ from tfjs' forward pass`);
  } finally {
    p.dispose();
    fx.cleanup();
    await tf.setBackend(previous);
  }
});
