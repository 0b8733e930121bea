import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {UNET_DEFAULTS, UnetConfig, buildUnet} from './model';

async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
  );
  assert.ok(saved, 'the save handler received the artifacts');
  return tf.loadLayersModel(tf.io.fromMemory(saved));
}

const variants: [string, Partial<UnetConfig>, [number, number]][] = [
  ['valid + CenterCrop2D, transpose', {padding: 'valid', decoderUseBatchnorm: false, encoderDepth: 2}, [60, 44]],
  ['same + BN + bilinear + dropout', {padding: 'same', upsampling: 'bilinear', encoderDepth: 2, dropout: 0.3}, [16, 8]],
];

describe('U-Net save / load', () => {
  for (const [name, over, [h, w]] of variants) {
    test(`${name}: same predictions after a memory round trip`, async () => {
      const cfg: UnetConfig = {...UNET_DEFAULTS, inChannels: 2, classes: 3, baseFilters: 4, ...over};
      const model = buildUnet(cfg, [h, w]);
      const x = tf.randomNormal([2, h, w, 2], 0, 1, 'float32', 7);
      // One training-mode pass moves the BN statistics away from their initial values, so they must be saved.
      tf.tidy(() => {
        model.apply(x, {training: true});
      });
      const loaded = await roundTrip(model);
      try {
        assert.deepEqual(
          loaded.layers.map((l) => l.getClassName()),
          model.layers.map((l) => l.getClassName()),
        );
        if (cfg.padding === 'valid') assert.ok(loaded.layers.some((l) => l.getClassName() === 'CenterCrop2D'));
        const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
        assert.deepEqual(b.shape, a.shape);
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
        assert.ok(diff < 1e-5, `max difference ${diff}`);
        tf.dispose([a, b]);
      } finally {
        tf.dispose([x]);
        model.dispose();
        loaded.dispose();
      }
    });
  }
});
