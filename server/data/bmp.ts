/**
 * A minimal BMP decoder (sharp's prebuilt libvips has no BMP loader). Supports uncompressed (BI_RGB) 8-bit
 * palette, 24-bit and 32-bit files, bottom-up or top-down. 8-bit files keep their palette indices (as PIL does
 * for mode `P`/`L` BMPs), so 8-bit masks give their index values.
 */

export interface BmpImage {
  readonly width: number;
  readonly height: number;
  /** 1 for 8-bit files (palette indices), 3 for 24/32-bit files (RGB, alpha dropped). */
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
  /** Palette as RGB triples for 8-bit files. */
  readonly palette?: Uint8Array;
}

/** Decodes a BMP; throws an Error with a short reason when the variant is not supported. */
export function decodeBmp(buf: Uint8Array): BmpImage {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 54 || buf[0] !== 0x42 || buf[1] !== 0x4d) throw new Error('not a BMP file (no "BM" header)');
  const dataOffset = view.getUint32(10, true);
  const dibSize = view.getUint32(14, true);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bits = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  if (compression !== 0) throw new Error(`compressed BMP (compression ${compression}) is not supported`);
  if (bits !== 8 && bits !== 24 && bits !== 32) throw new Error(`${bits}-bit BMP is not supported (only 8, 24, 32)`);
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw new Error(`bad BMP size ${width}x${rawHeight}`);
  const stride = Math.ceil((bits * width) / 32) * 4;
  if (dataOffset + stride * height > buf.length) throw new Error('BMP file is truncated');
  const bottomUp = rawHeight > 0;
  const channels = bits === 8 ? 1 : 3;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (bottomUp ? height - 1 - y : y) * stride;
    copyRow(buf, row, data, y * width * channels, width, bits);
  }
  return { width, height, channels, data, palette: bits === 8 ? readPalette(view, 14 + dibSize, dataOffset) : undefined };
}

function copyRow(src: Uint8Array, at: number, dst: Uint8Array, to: number, width: number, bits: number): void {
  if (bits === 8) {
    dst.set(src.subarray(at, at + width), to);
    return;
  }
  const step = bits / 8;
  for (let x = 0; x < width; x++) {
    const p = at + x * step;
    dst[to + x * 3] = src[p + 2];
    dst[to + x * 3 + 1] = src[p + 1];
    dst[to + x * 3 + 2] = src[p];
  }
}

function readPalette(view: DataView, start: number, end: number): Uint8Array {
  const n = Math.max(0, Math.min(256, Math.floor((end - start) / 4)));
  const pal = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    pal[i * 3] = view.getUint8(start + i * 4 + 2);
    pal[i * 3 + 1] = view.getUint8(start + i * 4 + 1);
    pal[i * 3 + 2] = view.getUint8(start + i * 4);
  }
  return pal;
}

/** Encodes an 8-bit (with a gray palette) or 24-bit bottom-up BMP; used by tests and for exporting. */
export function encodeBmp(data: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  const bits = channels === 1 ? 8 : 24;
  const stride = Math.ceil((bits * width) / 32) * 4;
  const paletteBytes = channels === 1 ? 1024 : 0;
  const offset = 54 + paletteBytes;
  const buf = new Uint8Array(offset + stride * height);
  const view = new DataView(buf.buffer);
  buf[0] = 0x42;
  buf[1] = 0x4d;
  view.setUint32(2, buf.length, true);
  view.setUint32(10, offset, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, bits, true);
  for (let i = 0; i < paletteBytes / 4; i++) buf.fill(i, 54 + i * 4, 54 + i * 4 + 3);
  for (let y = 0; y < height; y++) {
    const row = offset + (height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * channels;
      if (channels === 1) buf[row + x] = data[s];
      else for (let c = 0; c < 3; c++) buf[row + x * 3 + c] = data[s + 2 - c];
    }
  }
  return buf;
}
