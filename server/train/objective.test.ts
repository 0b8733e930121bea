import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { validateConfig } from '../config/load';
import type { OutputSpec } from '../models/registry';
import { buildObjective, cgmModeOf, defaultMaskWeights, headOptions, objectiveOf } from './objective';

const mask = (layer: string, main = false): OutputSpec => ({ layer, kind: 'mask', main, channels: 2 });

/** Mean softmax cross-entropy over pixels, in float64: logits flat [P*2], labels [P]. */
function ce64(logits: number[], labels: number[]): number {
  let sum = 0;
  labels.forEach((y, p) => {
    const [a, b] = [logits[2 * p], logits[2 * p + 1]];
    const m = Math.max(a, b);
    const lse = m + Math.log(Math.exp(a - m) + Math.exp(b - m));
    sum += lse - (y === 0 ? a : b);
  });
  return sum / labels.length;
}

describe('objective over several outputs', () => {
  const labels = [0, 1, 1, 0];
  const outs = [
    [0.5, -0.5, 0.2, 1.0, -1, 2, 0.3, 0.1],
    [1, 0, 0, 1, 0, 0.5, 2, -1],
    [-0.2, 0.4, 0.9, -0.9, 0, 0, 1, 1],
  ];

  test('every mask output gets the loss with its weight, main first', () => {
    const obj = buildObjective({
      terms: [{ type: 'ce', weight: 1, ignoreIndex: 255 }],
      outputs: [mask('segmentation_head', true), mask('segmentation_head_1'), mask('segmentation_head_2')],
      maskWeights: [1, 0.4, 0.25],
    });
    const v = tf.tidy(() => obj(outs.map((o) => tf.tensor4d(o, [1, 2, 2, 2])), tf.tensor3d(labels, [1, 2, 2], 'int32')).dataSync()[0]);
    const expected = ce64(outs[0], labels) + 0.4 * ce64(outs[1], labels) + 0.25 * ce64(outs[2], labels);
    assert.ok(Math.abs(v - expected) < 1e-5, `${v} vs ${expected}`);
  });

  test('the presence head adds weight x BCE against labels derived from the masks', () => {
    const obj = buildObjective({
      terms: [{ type: 'ce', weight: 1, ignoreIndex: 255 }],
      outputs: [mask('cgm_gate_0', true), { layer: 'presence', kind: 'presence', main: false, channels: 2 }],
      maskWeights: [1],
      presence: { mode: 'binary', weight: 0.5, classes: 2, ignoreIndex: 255 },
    });
    // Image 1 has foreground (label 1) -> target (0, 1); image 2 is all background -> (1, 0).
    const y = [0, 1, 0, 0, 0, 0, 0, 255];
    const logits = [...outs[0], ...outs[1]];
    const presence = [0, Math.log(3), Math.log(4), 0];
    const v = tf.tidy(() => obj([tf.tensor4d(logits, [2, 2, 2, 2]), tf.tensor2d(presence, [2, 2])], tf.tensor3d(y, [2, 2, 2], 'int32')).dataSync()[0]);
    const kept = y.flatMap((l, p) => (l === 255 ? [] : [p]));
    const ceAll = ce64(kept.flatMap((p) => [logits[2 * p], logits[2 * p + 1]]), kept.map((p) => y[p]));
    const bce = (-Math.log(0.75) - Math.log(0.8)) / 2;
    assert.ok(Math.abs(v - (ceAll + 0.5 * bce)) < 1e-5, `${v} vs ${ceAll + 0.5 * bce}`);
  });

  test('a weight list that does not fit the outputs names the field and the heads', () => {
    assert.throws(
      () => buildObjective({ terms: [{ type: 'ce', weight: 1 }], outputs: [mask('segmentation_head', true), mask('segmentation_head_1')], maskWeights: [1] }),
      /`train.deepSupervisionWeights` has 1 weights but the model has 2 mask outputs \(segmentation_head, segmentation_head_1\)/,
    );
  });

  test('no tensors leak', () => {
    const obj = buildObjective({ terms: [{ type: 'dice', weight: 1 }], outputs: [mask('a', true), mask('b')], maskWeights: [0.5, 0.5] });
    const xs = outs.slice(0, 2).map((o) => tf.tensor4d(o, [1, 2, 2, 2]));
    const y = tf.tensor3d(labels, [1, 2, 2], 'int32');
    const before = tf.memory().numTensors;
    obj(xs, y).dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([...xs, y]);
  });
});

describe('config -> heads', () => {
  const cfg = (model: object, train: object = {}) => ({ ...validateConfig({ model, train }, 'seglab.json', '/'), source: null });

  test("cgm: true is the paper's binary module for 2 classes and per-class gating for more", () => {
    assert.equal(cgmModeOf(true, 2), 'binary');
    assert.equal(cgmModeOf(true, 4), 'multiclass');
    assert.equal(cgmModeOf('binary', 4), 'binary');
    assert.equal(cgmModeOf(false, 2), 'none');
  });

  test('default weights: U-Net++ averages its heads, U-Net 3+ sums them', () => {
    assert.deepEqual(defaultMaskWeights('unetplusplus', 4), [0.25, 0.25, 0.25, 0.25]);
    assert.deepEqual(defaultMaskWeights('unet3plus', 3), [1, 1, 1]);
  });

  test('U-Net++ with deep supervision: one weight per head, checked before training', () => {
    const c = cfg({ arch: 'unetplusplus', encoderName: 'resnet18', encoderDepth: 3, deepSupervision: true }, { deepSupervisionWeights: [1, 0.5] });
    const model = { arch: 'unetplusplus' as const, encoderName: 'resnet18', encoderDepth: 3, inChannels: 1, classes: 2, ...headOptions(c, 2) };
    assert.deepEqual(headOptions(c, 2), { deepSupervision: true });
    // depth 3: main X(0,3) + X(0,1) + X(0,2) = 3 outputs.
    assert.throws(() => objectiveOf(c, model, [{ type: 'ce', weight: 1 }], 255), /has 2 weights but the model has 3 mask outputs/);
  });

  test('U-Net 3+ with the CGM: presence head configured from model.cgm', () => {
    const c = cfg({ arch: 'unet3plus', encoderName: 'resnet18', encoderDepth: 3, cgm: true });
    assert.deepEqual(headOptions(c, 3), { cgm: 'multiclass' });
  });
});
