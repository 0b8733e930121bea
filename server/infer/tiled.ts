/**
 * Tiled prediction: the windows of tiling.ts are cut from the mirror-padded, normalised image, predicted in
 * batches, and their logits summed into an image-sized buffer and divided by the number of windows that covered
 * each pixel (MMSegmentation's slide_inference semantics; for the paper's overlap-tile the windows abut and the
 * count is 1 almost everywhere). Accumulation is in plain arrays, so only one batch of tiles is ever on the
 * backend.
 */
import * as tf from '@tensorflow/tfjs';
import { planWindows, TileSpec, tileMargin } from './tiling';
import { reflectIndex } from './pixels';
import type { Predictor } from './fused';

/** A normalised float image, row-major HWC. */
export interface FloatImage {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export interface TiledResult {
  /** Averaged logits, row-major H×W×classes. */
  readonly logits: Float32Array;
  readonly classes: number;
  /** Windows that covered each pixel (≥ 1 everywhere). */
  readonly counts: Uint16Array;
}

/** Copies the ih×iw tile whose top-left is (top, left) in image coordinates (mirrored outside) into `dst`. */
function fillTile(img: FloatImage, top: number, left: number, ih: number, iw: number, dst: Float32Array, at: number): void {
  const { data, height: H, width: W, channels: C } = img;
  const cols = Int32Array.from({ length: iw }, (_, j) => reflectIndex(left + j, W) * C);
  for (let i = 0; i < ih; i++) {
    const row = reflectIndex(top + i, H) * W * C;
    let o = at + i * iw * C;
    for (let j = 0; j < iw; j++, o += C) {
      const src = row + cols[j];
      for (let c = 0; c < C; c++) dst[o + c] = data[src + c];
    }
  }
}

/** Logits of one batch; multi-output models (deep supervision) contribute their first output. */
async function forward(model: Predictor, input: Float32Array, shape: [number, number, number, number]): Promise<{ data: Float32Array; shape: readonly number[] }> {
  if (model.predictLogits) return model.predictLogits(input, shape);
  const out = tf.tidy(() => {
    const y = model.predict(tf.tensor4d(input, shape));
    return Array.isArray(y) ? y[0] : y;
  });
  try {
    return { data: (await out.data()) as Float32Array, shape: out.shape };
  } finally {
    out.dispose();
  }
}

function checkOutput(shape: readonly number[], n: number, spec: TileSpec): void {
  const [oh, ow] = spec.outTile;
  if (shape.length !== 4 || shape[0] !== n || shape[1] !== oh || shape[2] !== ow) {
    throw new Error(
      `the model maps a ${spec.inTile.join('x')} tile to ${shape.slice(1, 3).join('x')}, but this tiling expects ${oh}x${ow}: ` +
        "use inference mode 'overlapTile' (or 'whole') for valid-convolution U-Nets and 'slide' for padded models",
    );
  }
}

/** Predicts logits for the whole image through `spec`'s windows, `batchSize` tiles per forward pass. */
export async function predictTiled(model: Predictor, img: FloatImage, spec: TileSpec, batchSize = 4): Promise<TiledResult> {
  const { height: H, width: W, channels: C } = img;
  if (img.data.length !== H * W * C) throw new Error(`image data has ${img.data.length} values, expected ${H}x${W}x${C}`);
  const windows = planWindows(H, W, spec);
  const [mt, ml] = tileMargin(spec);
  const [ih, iw] = spec.inTile;
  const [oh, ow] = spec.outTile;
  const counts = new Uint16Array(H * W);
  let sum = new Float32Array(0);
  let K = 0;
  for (let b = 0; b < windows.length; b += batchSize) {
    const group = windows.slice(b, b + batchSize);
    const input = new Float32Array(group.length * ih * iw * C);
    group.forEach((win, n) => fillTile(img, win.y - mt, win.x - ml, ih, iw, input, n * ih * iw * C));
    const { data, shape } = await forward(model, input, [group.length, ih, iw, C]);
    checkOutput(shape, group.length, spec);
    if (K === 0) {
      K = shape[3];
      // One window whose output is the image (whole-image mode, sizes already aligned): its logits are the result.
      if (windows.length === 1 && oh === H && ow === W && windows[0].y === 0 && windows[0].x === 0) {
        // A copy: the cpu backend's data() may hand out its own buffer, and callers write into the result.
        return { logits: data.slice(0, H * W * K), classes: K, counts: counts.fill(1) };
      }
      sum = new Float32Array(H * W * K);
    }
    group.forEach((win, n) => {
      for (let i = 0; i < oh && win.y + i < H; i++) {
        for (let j = 0; j < ow && win.x + j < W; j++) {
          const p = (win.y + i) * W + win.x + j;
          const q = ((n * oh + i) * ow + j) * K;
          counts[p]++;
          for (let k = 0; k < K; k++) sum[p * K + k] += data[q + k];
        }
      }
    });
  }
  for (let p = 0; p < H * W; p++) {
    if (counts[p] === 0) throw new Error(`internal: pixel (${Math.floor(p / W)}, ${p % W}) was not covered by any window`);
    if (counts[p] > 1) for (let k = 0; k < K; k++) sum[p * K + k] /= counts[p];
  }
  return { logits: sum, classes: K, counts };
}
