/** Save / load round trips of models with every custom layer (AtrousConv2D, Resize2D, BroadcastLike, PresenceGate). */
import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {EncoderModelConfig, createModel} from './registry';
import {asList} from './testConfigs';

async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
  );
  assert.ok(saved);
  return tf.loadLayersModel(tf.io.fromMemory(saved));
}

const CASES: [string, EncoderModelConfig, string[]][] = [
  [
    'DeepLabV3+ at OS 8 (atrous, depthwise atrous, resize, image-pooling broadcast)',
    {arch: 'deeplabv3plus', encoderName: 'plain', encoderParams: {baseFilters: 4}, encoderDepth: 3, encoderOutputStride: 8, decoderChannels: 8, decoderAtrousRates: [1, 2, 3], inChannels: 2, classes: 3},
    ['AtrousConv2D', 'Resize2D', 'BroadcastLike'],
  ],
  [
    'U-Net 3+ with deep supervision and the multi-class CGM (several outputs)',
    {arch: 'unet3plus', encoderName: 'plain', encoderParams: {baseFilters: 4}, encoderDepth: 3, decoderCatChannels: 4, deepSupervision: true, cgm: 'multiclass', inChannels: 2, classes: 3},
    ['PresenceGate', 'Resize2D'],
  ],
];

describe('save / load', () => {
  for (const [name, cfg, classes] of CASES) {
    test(`${name}: same predictions after a memory round trip`, async () => {
      const model = createModel(cfg, [null, null]);
      const x = tf.randomNormal([2, 16, 16, 2], 0, 1, 'float32', 5);
      tf.tidy(() => {
        model.apply(x, {training: true}); // moves the BN statistics, which must be saved too
      });
      const loaded = await roundTrip(model);
      try {
        for (const c of classes) assert.ok(loaded.layers.some((l) => l.getClassName() === c), `${c} deserialised`);
        const a = asList(model.predict(x) as tf.Tensor | tf.Tensor[]);
        const b = asList(loaded.predict(x) as tf.Tensor | tf.Tensor[]);
        assert.equal(b.length, a.length);
        a.forEach((t, i) => {
          const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(t, b[i]))).dataSync()[0]);
          assert.ok(diff < 1e-5, `output ${i}: max difference ${diff}`);
        });
        tf.dispose([...a, ...b]);
      } finally {
        x.dispose();
        model.dispose();
        loaded.dispose();
      }
    });
  }
});
