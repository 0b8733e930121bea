/**
 * Colour overlays of class masks on images, and side-by-side panels (image | ground truth | prediction), as plain
 * RGB byte arrays. Pure functions: no tfjs, no IO.
 */

/** An RGB image, row-major HWC with 3 channels. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Class colours: background black, then a fixed, well-separated palette (Pascal VOC's bit-interleaved scheme). */
export function classColor(c: number): [number, number, number] {
  let r = 0;
  let g = 0;
  let b = 0;
  let id = c;
  for (let j = 0; j < 8; j++) {
    r |= ((id >> 0) & 1) << (7 - j);
    g |= ((id >> 1) & 1) << (7 - j);
    b |= ((id >> 2) & 1) << (7 - j);
    id >>= 3;
  }
  return [r, g, b];
}

/** Colour used for ignored pixels in overlays (white). */
export const IGNORE_COLOR: [number, number, number] = [255, 255, 255];

/** Any 1- or 3-channel 8-bit image as RGB. */
export function toRgb(data: Uint8Array, width: number, height: number, channels: number): RgbImage {
  if (channels === 3) return { width, height, data };
  if (channels !== 1) throw new Error(`toRgb: ${channels} channels; expected 1 or 3`);
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = data[i];
  return { width, height, data: out };
}

/**
 * Blends class colours over `image` with `alpha` (0–1). Background (class 0) is left uncoloured so the image shows
 * through; `ignoreIndex` pixels are drawn in {@link IGNORE_COLOR}.
 */
export function overlayMask(image: RgbImage, mask: ArrayLike<number>, alpha: number, ignoreIndex = 255): RgbImage {
  const { width, height } = image;
  if (mask.length !== width * height) {
    throw new Error(`overlayMask: mask has ${mask.length} pixels but the image is ${width}x${height}`);
  }
  const out = new Uint8Array(image.data);
  for (let i = 0; i < mask.length; i++) {
    const c = mask[i];
    if (c === 0) continue;
    const col = c === ignoreIndex ? IGNORE_COLOR : classColor(c);
    for (let k = 0; k < 3; k++) out[3 * i + k] = Math.round((1 - alpha) * out[3 * i + k] + alpha * col[k]);
  }
  return { width, height, data: out };
}

/** Places images left to right (rows stacked top to bottom), separated by `gap` pixels of grey. */
export function composeGrid(rows: readonly (readonly RgbImage[])[], gap = 4): RgbImage {
  const colWidths: number[] = [];
  for (const row of rows) row.forEach((im, j) => (colWidths[j] = Math.max(colWidths[j] ?? 0, im.width)));
  const rowHeights = rows.map((row) => Math.max(...row.map((im) => im.height)));
  const width = colWidths.reduce((a, b) => a + b, 0) + gap * (colWidths.length - 1);
  const height = rowHeights.reduce((a, b) => a + b, 0) + gap * (rows.length - 1);
  const data = new Uint8Array(width * height * 3).fill(64);
  let y0 = 0;
  rows.forEach((row, i) => {
    let x0 = 0;
    row.forEach((im, j) => {
      for (let y = 0; y < im.height; y++) {
        data.set(im.data.subarray(y * im.width * 3, (y + 1) * im.width * 3), ((y0 + y) * width + x0) * 3);
      }
      x0 += colWidths[j] + gap;
    });
    y0 += rowHeights[i] + gap;
  });
  return { width, height, data };
}
