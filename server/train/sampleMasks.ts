/** Validation samples as raw masks for the dashboard (it draws its own overlays, with toggles and opacity). */
import sharp from 'sharp';
import { SAMPLE_MAX_SIDE, SampleMask } from '../protocol';
import type { RawSample } from '../data/types';
import { toRgb } from '../export/overlay';

/** Output size keeping the aspect ratio, longer side at most `maxSide` (never upscaled). */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Nearest-neighbour resize of a `channels`-interleaved byte image (masks keep their exact class ids). */
export function resizeNearest(
  data: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  outW: number,
  outH: number,
): Uint8Array {
  const out = new Uint8Array(outW * outH * channels);
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / outH));
    for (let x = 0; x < outW; x++) {
      const sx = Math.min(width - 1, Math.floor(((x + 0.5) * width) / outW));
      for (let c = 0; c < channels; c++) out[(y * outW + x) * channels + c] = data[(sy * width + sx) * channels + c];
    }
  }
  return out;
}

/** One {@link SampleMask} per kept prediction, in sample order. */
export async function sampleMasks(
  val: readonly RawSample[],
  predictions: ReadonlyMap<number, Uint8Array>,
  maxSide = SAMPLE_MAX_SIDE,
): Promise<SampleMask[]> {
  const out: SampleMask[] = [];
  for (const [i, pred] of [...predictions.entries()].sort((a, b) => a[0] - b[0])) {
    const s = val[i];
    const { width, height } = fitWithin(s.width, s.height, maxSide);
    const rgb = toRgb(s.image, s.width, s.height, s.channels);
    const small = resizeNearest(rgb.data, s.width, s.height, 3, width, height);
    const png = await sharp(Buffer.from(small), { raw: { width, height, channels: 3 } }).png().toBuffer();
    out.push({
      id: s.id,
      width,
      height,
      imagePng: png.toString('base64'),
      gt: Buffer.from(resizeNearest(s.mask, s.width, s.height, 1, width, height)).toString('base64'),
      pred: Buffer.from(resizeNearest(pred, s.width, s.height, 1, width, height)).toString('base64'),
    });
  }
  return out;
}
