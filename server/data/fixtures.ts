/** Test helpers: temporary folders and image files written with sharp (or by hand where sharp cannot). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';

/** Creates a temporary folder; call the returned function to remove it. */
export function tempDir(prefix = 'seglab-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes an 8-bit PNG; 1-channel data stays a gray PNG. */
export async function pngFile(file: string, data: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): Promise<void> {
  let p = sharp(data, { raw: { width, height, channels } });
  if (channels === 1) p = p.toColourspace('b-w');
  await p.png().toFile(file);
}

/** Writes a 16-bit gray PNG. */
export async function png16File(file: string, data: Uint16Array, width: number, height: number): Promise<void> {
  await sharp(data, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png().toFile(file);
}

/** Writes a palette PNG from RGB data (sharp quantises; keep the colours few and distinct). */
export async function palettePngFile(file: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  await sharp(rgb, { raw: { width, height, channels: 3 } }).png({ palette: true, colours: 16, dither: 0 }).toFile(file);
}

/**
 * Writes an uncompressed little-endian 32-bit float TIFF (sharp's TIFF writer only stores 8-bit), one strip,
 * 1 (gray) or 3 (RGB, interleaved) channels.
 */
export function floatTiffFile(file: string, data: Float32Array, width: number, height: number, channels: 1 | 3): void {
  const tags: [number, number, number, number][] = []; // id, type (3 short, 4 long), count, value/offset
  const nTags = channels === 1 ? 10 : 11;
  const ifdEnd = 8 + 2 + nTags * 12 + 4;
  const arrays = channels === 3 ? ifdEnd : 0; // BitsPerSample[3] then SampleFormat[3]
  const dataOffset = ifdEnd + (channels === 3 ? 12 : 0);
  tags.push([256, 4, 1, width], [257, 4, 1, height]);
  tags.push(channels === 1 ? [258, 3, 1, 32] : [258, 3, 3, arrays]);
  tags.push([259, 3, 1, 1], [262, 3, 1, channels === 1 ? 1 : 2], [273, 4, 1, dataOffset], [277, 3, 1, channels]);
  tags.push([278, 4, 1, height], [279, 4, 1, data.length * 4]);
  if (channels === 3) tags.push([284, 3, 1, 1]);
  tags.push(channels === 1 ? [339, 3, 1, 3] : [339, 3, 3, arrays + 6]);
  const buf = Buffer.alloc(dataOffset + data.length * 4);
  buf.write('II', 0);
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(8, 4);
  buf.writeUInt16LE(nTags, 8);
  tags.forEach(([id, type, count, value], i) => {
    const p = 10 + i * 12;
    buf.writeUInt16LE(id, p);
    buf.writeUInt16LE(type, p + 2);
    buf.writeUInt32LE(count, p + 4);
    if (type === 3 && count === 1) buf.writeUInt16LE(value, p + 8);
    else buf.writeUInt32LE(value, p + 8);
  });
  if (channels === 3) for (let c = 0; c < 3; c++) {
    buf.writeUInt16LE(32, arrays + 2 * c);
    buf.writeUInt16LE(3, arrays + 6 + 2 * c);
  }
  for (let i = 0; i < data.length; i++) buf.writeFloatLE(data[i], dataOffset + 4 * i);
  writeFileSync(file, buf);
}
