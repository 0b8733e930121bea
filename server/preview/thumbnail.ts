/** Small overlay PNGs of preview results, for editor hovers (sharp; no tfjs). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { PreviewResult } from '../protocol';
import { overlayMask } from '../export/overlay';

/** Alpha of the class colours in thumbnails (as the predict job's overlays). */
export const THUMBNAIL_ALPHA = 0.5;

/**
 * Writes the prediction overlaid on the image (background left uncoloured, as in exported overlays), scaled so
 * its longest side is `side` (small images enlarged with whole pixels, large ones shrunk smoothly), to `file`
 * (atomically). Returns `file`.
 */
export async function writeThumbnail(r: Pick<PreviewResult, 'imagePng' | 'pred' | 'width' | 'height' | 'ignoreIndex'>, file: string, side: number): Promise<string> {
  const { data, info } = await sharp(Buffer.from(r.imagePng, 'base64')).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.width !== r.width || info.height !== r.height || info.channels !== 3) {
    throw new Error(`writeThumbnail: the image is ${info.width}x${info.height}x${info.channels}, expected ${r.width}x${r.height}x3`);
  }
  const pred = new Uint8Array(Buffer.from(r.pred, 'base64'));
  const blended = overlayMask({ width: r.width, height: r.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }, pred, THUMBNAIL_ALPHA, r.ignoreIndex);
  const png = await sharp(Buffer.from(blended.data), { raw: { width: r.width, height: r.height, channels: 3 } })
    .resize({ width: side, height: side, fit: 'inside', kernel: Math.max(r.width, r.height) < side ? 'nearest' : 'lanczos3' })
    .png()
    .toBuffer();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, png);
  fs.renameSync(tmp, file);
  return file;
}
