/**
 * What a preview sends: the image and its per-pixel arrays downscaled together (longest side ≤ maxSide; the image
 * bilinearly, class ids and confidences by nearest neighbour so they stay exact), base64-encoded. No tfjs.
 */
import sharp from 'sharp';
import { toRgb } from '../export/overlay';
import { resizeBilinear } from '../infer/pixels';
import { fitWithin, resizeNearest } from '../train/sampleMasks';

export interface PreviewArrays {
  readonly width: number;
  readonly height: number;
  readonly imagePng: string;
  readonly pred: string;
  readonly confidence: string;
  readonly gt: string | null;
}

/** An 8-bit HWC image with 1 or 3 channels. */
export interface PlainImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Uint8Array;
}

function b64(a: Uint8Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** Downscales and encodes the image and its full-resolution arrays (each `width*height` long). */
export async function encodeArrays(
  image: PlainImage,
  pred: Uint8Array,
  confidence: Uint8Array,
  gt: Uint8Array | null,
  maxSide: number,
): Promise<PreviewArrays> {
  const { width: W, height: H } = image;
  for (const [name, a] of [['prediction', pred], ['confidence', confidence], ['ground truth', gt]] as const) {
    if (a && a.length !== W * H) throw new Error(`encodeArrays: the ${name} has ${a.length} pixels, expected ${W}x${H}`);
  }
  const { width, height } = fitWithin(W, H, maxSide);
  const same = width === W && height === H;
  const rgb = toRgb(image.data, W, H, image.channels).data;
  const small = same ? rgb : resizeBilinear(rgb, H, W, 3, height, width);
  const shrink = (a: Uint8Array): Uint8Array => (same ? a : resizeNearest(a, W, H, 1, width, height));
  const png = await sharp(Buffer.from(small.buffer, small.byteOffset, small.byteLength), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
  return {
    width,
    height,
    imagePng: png.toString('base64'),
    pred: b64(shrink(pred)),
    confidence: b64(shrink(confidence)),
    gt: gt ? b64(shrink(gt)) : null,
  };
}
