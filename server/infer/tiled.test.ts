import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../data/rng';
import { bruteForce, knownConv, maxDiff } from './testModels';
import { predictTiled } from './tiled';

function floatImage(H: number, W: number, C: number, seed: number) {
  const rng = mulberry32(seed);
  return { data: Float32Array.from({ length: H * W * C }, () => 2 * rng() - 1), height: H, width: W, channels: C };
}

describe('tiled prediction equals whole-image prediction', () => {
  test('1x1 conv, sliding 8x8 windows every 5 px on an odd 13x11 image', async () => {
    const conv = knownConv(1, 3, 4, 1);
    const img = floatImage(13, 11, 3, 2);
    const expected = bruteForce(conv, img.data, 13, 11);
    const slide = await predictTiled(conv.model, img, { inTile: [8, 8], outTile: [8, 8], stride: [5, 5] }, 3);
    assert.equal(slide.classes, 4);
    assert.ok(maxDiff(slide.logits, expected) < 1e-5);
    // rows: starts 0, 5 -> rows 5..7 twice; columns: starts 0, 3 -> columns 3..7 twice
    const rowCount = (y: number) => (y >= 5 && y <= 7 ? 2 : 1);
    const colCount = (x: number) => (x >= 3 && x <= 7 ? 2 : 1);
    for (let y = 0; y < 13; y++) for (let x = 0; x < 11; x++) assert.equal(slide.counts[y * 11 + x], rowCount(y) * colCount(x), `(${y}, ${x})`);
    const whole = await predictTiled(conv.model, img, { inTile: [16, 16], outTile: [16, 16], stride: [16, 16] });
    assert.ok(maxDiff(whole.logits, expected) < 1e-5);
    assert.ok(whole.counts.every((c) => c === 1));
    conv.model.dispose();
  });

  test('3x3 valid conv: 5x5 output tiles with 1 px of mirrored context equal the mirror-padded whole image', async () => {
    const conv = knownConv(3, 2, 3, 3);
    for (const [H, W] of [[13, 11], [4, 9], [1, 1]]) {
      const img = floatImage(H, W, 2, H * 100 + W);
      const expected = bruteForce(conv, img.data, H, W);
      const tiled = await predictTiled(conv.model, img, { inTile: [7, 7], outTile: [5, 5], stride: [5, 5] }, 2);
      assert.ok(maxDiff(tiled.logits, expected) < 1e-5, `${H}x${W} tiled`);
      const whole = await predictTiled(conv.model, img, { inTile: [H + 2, W + 2], outTile: [H, W], stride: [H, W] });
      assert.ok(maxDiff(whole.logits, expected) < 1e-5, `${H}x${W} whole`);
    }
    conv.model.dispose();
  });
});

test('a tiling that does not match the model output says which mode to use', async () => {
  const conv = knownConv(1, 1, 2, 4);
  await assert.rejects(
    predictTiled(conv.model, floatImage(9, 9, 1, 1), { inTile: [7, 7], outTile: [5, 5], stride: [5, 5] }),
    /maps a 7x7 tile to 7x7, but this tiling expects 5x5: use inference mode 'overlapTile'/,
  );
  conv.model.dispose();
});

test('no tensors leak, also when the output check fails', async () => {
  const conv = knownConv(1, 1, 2, 5);
  const before = tf.memory().numTensors;
  await predictTiled(conv.model, floatImage(9, 7, 1, 1), { inTile: [4, 4], outTile: [4, 4], stride: [3, 3] });
  await predictTiled(conv.model, floatImage(9, 7, 1, 1), { inTile: [6, 6], outTile: [4, 4], stride: [4, 4] }).catch(() => undefined);
  assert.equal(tf.memory().numTensors, before);
  conv.model.dispose();
});
