const tf = require('@tensorflow/tfjs');
const { selectBackend } = require('./out/server/backend/ladder');
const seg = require('./out/server/infer/segment');
const iou = require('./out/server/preview/iou');
const render = require('./out/server/preview/render');
const { createModel } = require('./out/server/models/registry');
(async () => {
  await selectBackend({ prefer: 'wasm' });
  const model = createModel({ arch: 'unet', inChannels: 1, classes: 2, encoderDepth: 4, baseFilters: 16, padding: 'same', decoderUseBatchnorm: true, batchNormMomentum: 0.9, upsampling: 'transpose', dropout: 0 }, [null, null]);
  const img = new Uint8Array(512 * 512).map((_, i) => i % 251);
  const sample = { id: 'x', height: 512, width: 512, channels: 1, image: img, mask: new Uint8Array(0) };
  const spec = { channels: 1, mean: [0.5], std: [0.25], padding: 'same', encoderDepth: 4, mode: 'full', size: [64, 64] };
  for (let r = 0; r < 3; r++) {
    let t = performance.now();
    const out = await seg.predictSample(model, sample, spec, { mode: 'whole', batchSize: 2 });
    const t1 = performance.now();
    const { pred, confidence } = iou.classAndConfidence(out.data, out.classes, out.kind);
    const t2 = performance.now();
    const arr = await render.encodeArrays({ width: 512, height: 512, channels: 1, data: img }, pred, confidence, null, 1024);
    const t3 = performance.now();
    const json = JSON.stringify(arr);
    const t4 = performance.now();
    console.log('predict', (t1 - t).toFixed(0), 'conf', (t2 - t1).toFixed(0), 'encode', (t3 - t2).toFixed(0), 'json', (t4 - t3).toFixed(0), json.length);
  }
  const x = tf.zeros([1, 512, 512, 1]);
  for (let r = 0; r < 2; r++) { const t = performance.now(); const y = model.predict(x); await y.data(); y.dispose(); console.log('raw forward', (performance.now() - t).toFixed(0)); }
})();
