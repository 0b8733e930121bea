import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {convBnRelu, segmentationHead} from './blocks';
import {CenterCrop2D} from './centerCrop';
import {paramCount} from './paramCount';

describe('convBnRelu', () => {
  test('BN momentum is the TF.js keep factor: 0.9 moves the moving mean 10% towards the batch mean', () => {
    const input = tf.input({shape: [2, 2, 1]});
    const out = convBnRelu(input, 1, {padding: 'same', useBatchnorm: true, batchNormMomentum: 0.9}, 'blk', 1);
    const model = tf.model({inputs: input, outputs: out});
    const bn = model.getLayer('blk_bn1');
    // A batch whose mean is 10 (BN input): moving mean 0 -> 0.9 * 0 + 0.1 * 10 = 1, as PyTorch momentum 0.1.
    tf.tidy(() => {
      bn.apply(tf.fill([1, 2, 2, 1], 10), {training: true});
    });
    const [, , movingMean] = bn.getWeights();
    assert.ok(Math.abs(movingMean.dataSync()[0] - 1) < 1e-6, `moving mean ${movingMean.dataSync()[0]}`);
    model.dispose();
  });

  test('head is a 1x1 conv with bias and no activation', () => {
    const input = tf.input({shape: [null, null, 5]});
    const model = tf.model({inputs: input, outputs: segmentationHead(input, 3)});
    assert.deepEqual(paramCount(model), {trainable: 5 * 3 + 3, nonTrainable: 0});
    assert.equal(model.getLayer('head').getConfig().activation, 'linear');
    model.dispose();
  });
});

describe('CenterCrop2D', () => {
  test('crops the centre of the skip to the reference size, keeping skip channels', () => {
    tf.tidy(() => {
      // 4x4 skip with value 10 * row + col, 2 channels (second = negated); reference 2x2 -> offsets 1, 1.
      const vals: number[] = [];
      for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) vals.push(10 * r + c, -(10 * r + c));
      const skip = tf.tensor4d(vals, [1, 4, 4, 2]);
      const out = new CenterCrop2D().apply([skip, tf.zeros([1, 2, 2, 7])]) as tf.Tensor;
      assert.deepEqual(out.shape, [1, 2, 2, 2]);
      assert.deepEqual(Array.from(out.dataSync()), [11, -11, 12, -12, 21, -21, 22, -22]);
    });
  });

  test('symbolic shapes, errors and registration', () => {
    const layer = new CenterCrop2D({name: 'crop'});
    assert.deepEqual(layer.computeOutputShape([[null, 9, 9, 4], [null, 5, null, 2]]), [null, 5, null, 4]);
    assert.throws(() => layer.computeOutputShape([[null, 3, 3, 4], [null, 5, 5, 2]]), /smaller than the decoder feature/);
    assert.throws(() => layer.computeOutputShape([null, 3, 3, 4]), /two inputs/);
    assert.equal(CenterCrop2D.className, 'CenterCrop2D');
    const registered = tf.serialization.SerializationMap.getMap().classNameMap.CenterCrop2D;
    assert.ok(registered, 'registered for deserialization');
  });
});
