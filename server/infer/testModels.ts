/**
 * Models with known weights for the inference tests (not used at run time), and brute-force references for
 * what they compute.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../data/rng';
import { reflectIndex } from './pixels';

export interface KnownConv {
  readonly model: tf.LayersModel;
  /** [kh, kw, inC, outC] row-major, as tf.conv2d. */
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  readonly size: number;
  readonly inC: number;
  readonly outC: number;
}

/** A one-layer conv model (size×size kernel, 'same' for 1×1, 'valid' otherwise) with seeded weights. */
export function knownConv(size: number, inC: number, outC: number, seed: number): KnownConv {
  tf.env().set('PROD', true);
  const rng = mulberry32(seed);
  const kernel = Float32Array.from({ length: size * size * inC * outC }, () => 2 * rng() - 1);
  const bias = Float32Array.from({ length: outC }, () => rng() - 0.5);
  const model = tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [null, null, inC], filters: outC, kernelSize: size, padding: size === 1 ? 'same' : 'valid' })],
  });
  const w = [tf.tensor4d(kernel, [size, size, inC, outC]), tf.tensor1d(bias)];
  model.layers[0].setWeights(w);
  tf.dispose(w);
  return { model, kernel, bias, size, inC, outC };
}

/**
 * What `conv` outputs at every pixel of an H×W×inC image mirror-padded by (size-1)/2 (numpy 'reflect'), i.e.
 * the prediction for the whole image at its own size; row-major H×W×outC.
 */
export function bruteForce(conv: KnownConv, img: ArrayLike<number>, H: number, W: number): Float32Array {
  const { size, inC, outC, kernel, bias } = conv;
  const r = (size - 1) / 2;
  const out = new Float32Array(H * W * outC);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let k = 0; k < outC; k++) {
        let v = bias[k];
        for (let i = 0; i < size; i++) {
          for (let j = 0; j < size; j++) {
            const p = (reflectIndex(y + i - r, H) * W + reflectIndex(x + j - r, W)) * inC;
            for (let c = 0; c < inC; c++) v += kernel[((i * size + j) * inC + c) * outC + k] * img[p + c];
          }
        }
        out[(y * W + x) * outC + k] = v;
      }
    }
  }
  return out;
}

/** Largest absolute difference. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
