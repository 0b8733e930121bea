import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {PresenceGate, gateLogits, presenceTargets} from './cgm';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

describe('presence gate', () => {
  test('multiclass softmax: each class probability is scaled by its presence, then renormalised', () => {
    const [l0, l1, p0, p1] = [0.3, -1.2, 2, -1];
    const out = tf.tidy(() => Array.from(gateLogits(tf.tensor4d([l0, l1], [1, 1, 1, 2]), tf.tensor2d([[p0, p1]]), 'multiclass').dataSync()));
    const num = [Math.exp(l0) * sigmoid(p0), Math.exp(l1) * sigmoid(p1)];
    const expected = num.map((n) => n / (num[0] + num[1]));
    const got = [Math.exp(out[0]), Math.exp(out[1])].map((e, _, a) => e / (a[0] + a[1]));
    got.forEach((g, i) => assert.ok(Math.abs(g - expected[i]) < 1e-6, `class ${i}: ${g} vs ${expected[i]}`));
  });

  test("binary (the paper's): foreground classes gated by P(present) = softmax(absent, present)[1], background kept", () => {
    // presence logits (0, ln 3): P(present) = 3 / (1 + 3) = 0.75.
    const out = tf.tidy(() => Array.from(gateLogits(tf.tensor4d([1, 2, 3], [1, 1, 1, 3]), tf.tensor2d([[0, Math.log(3)]]), 'binary').dataSync()));
    [1, 2 + Math.log(0.75), 3 + Math.log(0.75)].forEach((e, i) => assert.ok(Math.abs(out[i] - e) < 1e-6, `class ${i}`));
  });

  test('a single sigmoid logit becomes the logit of sigmoid(l) * P', () => {
    const logits = [-3, -0.5, 0, 2, 6];
    const presence = [1.5, -2, 0, 4, -0.3];
    const out = tf.tidy(() =>
      Array.from(gateLogits(tf.tensor4d(logits, [5, 1, 1, 1]), tf.tensor2d(presence, [5, 1]), 'multiclass').dataSync()),
    );
    out.forEach((o, i) => {
      const expected = sigmoid(logits[i]) * sigmoid(presence[i]);
      assert.ok(Math.abs(sigmoid(o) - expected) < 1e-5, `${i}: ${sigmoid(o)} vs ${expected}`);
    });
  });

  test('the layer is serialisable, has gradients for both inputs and does not leak', () => {
    assert.ok(tf.serialization.SerializationMap.getMap().classNameMap.PresenceGate);
    assert.equal(new PresenceGate({mode: 'binary'}).getConfig().mode, 'binary');
    assert.throws(() => new PresenceGate({name: 'g', mode: 'soft' as 'binary'}), /g: mode must be 'binary' or 'multiclass'; got "soft"/);
    const logits = tf.randomNormal([2, 3, 3, 4]) as tf.Tensor4D;
    const presence = tf.randomNormal([2, 4]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const [gl, gp] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(gateLogits(a as tf.Tensor4D, b as tf.Tensor2D, 'multiclass'))))([logits, presence]);
      assert.ok(gl.dataSync().every(Number.isFinite) && gp.dataSync().some((v) => v !== 0));
    });
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([logits, presence]);
  });
});

describe('presenceTargets', () => {
  const masks = (): tf.Tensor3D => tf.tensor3d([[[0, 2], [2, 255]], [[0, 0], [0, 255]]], [2, 2, 2], 'int32');

  test('multiclass: 1 where the class occurs (ignore pixels skipped)', () => {
    const t = tf.tidy(() => presenceTargets(masks(), 3, 'multiclass', 255).arraySync());
    assert.deepEqual(t, [[1, 0, 1], [1, 0, 0]]);
  });

  test('binary: (absent, present) of any foreground class; classes = 1 uses the value 1', () => {
    const t = tf.tidy(() => presenceTargets(masks(), 3, 'binary', 255).arraySync());
    assert.deepEqual(t, [[0, 1], [1, 0]]);
    const single = tf.tidy(() => presenceTargets(tf.tensor3d([[[0, 1]], [[0, 0]]], [2, 1, 2], 'int32'), 1, 'multiclass').arraySync());
    assert.deepEqual(single, [[1], [0]]);
  });
});
