/**
 * Image and mask file IO on sharp (BMP through a small built-in decoder).
 *
 * `readImage` returns 8-bit HWC pixels plus an {@link ImageSourceInfo} describing the file as stored, so the
 * checker can warn about 16-bit and float files. Conversions, in one place:
 * - 16-bit samples are divided by 257 and rounded (65535 -> 255);
 * - float samples whose range lies in [0, 1] are multiplied by 255; other float samples are rounded and clipped
 *   to [0, 255];
 * - alpha is dropped; gray -> RGB repeats the channel; RGB -> gray is round(0.299 R + 0.587 G + 0.114 B);
 * - EXIF orientation is not applied (pixels are used as stored, as pycocotools/PIL do).
 *
 * `readMask` returns one index value per pixel: gray files give their values; RGB/RGBA files whose three colour
 * channels are equal give that value; palette PNGs give their palette indices (sharp expands palettes to colours,
 * so each colour is looked up in the file's PLTE chunk; if the palette repeats a colour, its first index wins);
 * 8-bit BMPs give their indices; 16-bit masks give their values unscaled (they must be <= 255).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { decodeBmp } from './bmp';
import { DataError, ImageSourceInfo } from './types';
import { convertChannels } from './transforms';

export { convertChannels } from './transforms';

export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** Row-major HWC, 0–255. */
  readonly data: Uint8Array;
  readonly source: ImageSourceInfo;
}

export interface DecodedMask {
  readonly width: number;
  readonly height: number;
  /** Row-major HW index values. */
  readonly data: Uint8Array;
  readonly source: ImageSourceInfo;
}

export interface ReadImageOptions {
  /** Convert to this many channels; default: keep the file's (1 for gray, 3 for colour). */
  readonly channels?: 1 | 3;
}

type Samples = Uint8Array | Uint16Array | Float32Array;

/** Pixels at their stored depth, alpha removed. */
interface NativeImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly values: Samples;
  readonly format: string;
  readonly depth: string;
  readonly storedChannels: number;
  readonly hasAlpha: boolean;
  /** RGB triples of the palette for indexed files. */
  readonly palette?: Uint8Array;
  /** True when `values` already are palette indices (8-bit BMP). */
  readonly indexed: boolean;
}

/** Reads an image as 8-bit HWC; throws a {@link DataError} naming the file when it is missing or unreadable. */
export async function readImage(file: string, options: ReadImageOptions = {}): Promise<DecodedImage> {
  const native = await decodeNative(await readBytes(file, 'image'), file);
  let { channels } = native;
  let data: Uint8Array;
  let conversion: ImageSourceInfo['conversion'] = 'none';
  const [min, max] = range(native.values);
  if (native.indexed && native.palette && !isGrayPalette(native.palette)) {
    data = expandPalette(native.values as Uint8Array, native.palette);
    channels = 3;
  } else {
    [data, conversion] = to8bit(native.values, min, max);
  }
  const want = options.channels ?? channels;
  const out = convertChannels(data, data.length / channels, channels, want);
  const source = sourceInfo(file, native, min, max, conversion);
  return { width: native.width, height: native.height, channels: want, data: out, source };
}

/** Reads a label mask as one index value per pixel (see the module comment for the accepted encodings). */
export async function readMask(file: string): Promise<DecodedMask> {
  const bytes = await readBytes(file, 'mask');
  const native = await decodeNative(bytes, file);
  const [min, max] = range(native.values);
  const source = sourceInfo(file, native, min, max, 'none');
  const n = native.width * native.height;
  if (native.indexed) return { width: native.width, height: native.height, data: native.values as Uint8Array, source };
  if (native.palette) {
    const data = paletteIndices(native, file);
    return { width: native.width, height: native.height, data, source };
  }
  if (native.depth !== 'uchar') checkIntegerMask(native.values, file, native.depth);
  const data = new Uint8Array(n);
  const c = native.channels;
  for (let i = 0; i < n; i++) {
    const v = native.values[i * c];
    if (c === 3 && (native.values[i * c + 1] !== v || native.values[i * c + 2] !== v)) {
      throw colourMaskError(file, native, i);
    }
    data[i] = v;
  }
  return { width: native.width, height: native.height, data, source };
}

/** Writes an 8-bit PNG atomically (temporary file, then rename), creating the folder if needed. */
export async function writePng(file: string, data: Uint8Array, width: number, height: number, channels: number): Promise<void> {
  if (![1, 2, 3, 4].includes(channels)) throw new DataError(`writePng ${file}: channels must be 1–4, got ${channels}`, file);
  if (data.length !== width * height * channels) {
    throw new DataError(`writePng ${file}: expected ${width}x${height}x${channels} = ${width * height * channels} values, got ${data.length}`, file);
  }
  let pipeline = sharp(data, { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } });
  if (channels <= 2) pipeline = pipeline.toColourspace('b-w');
  const png = await pipeline.png().toBuffer();
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.floor(Math.random() * 1e9)}.tmp`;
  try {
    await fs.writeFile(tmp, png);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw new DataError(`cannot write ${file}: ${(err as Error).message}`, file);
  }
}

async function readBytes(file: string, role: 'image' | 'mask'): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`${role} file ${file} does not exist: check the path and the folder in your config`, file);
    if (code === 'EISDIR') throw new DataError(`${role} path ${file} is a folder, not a file`, file);
    throw new DataError(`cannot read ${role} file ${file}: ${(err as Error).message}`, file);
  }
}

async function decodeNative(bytes: Buffer, file: string): Promise<NativeImage> {
  if (bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d) return decodeBmpNative(bytes, file);
  try {
    const meta = await sharp(bytes).metadata();
    const depth = meta.depth ?? 'uchar';
    const space = targetSpace(meta.space ?? 'srgb', depth);
    const rawDepth = depth === 'uchar' ? 'uchar' : depth === 'ushort' ? 'ushort' : 'float';
    const { data, info } = await sharp(bytes).toColourspace(space).raw({ depth: rawDepth }).toBuffer({ resolveWithObject: true });
    const copy = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    const all: Samples = rawDepth === 'uchar' ? new Uint8Array(copy) : rawDepth === 'ushort' ? new Uint16Array(copy) : new Float32Array(copy);
    const hasAlpha = info.channels === 2 || info.channels === 4;
    const channels = hasAlpha ? info.channels - 1 : info.channels;
    if (channels !== 1 && channels !== 3) throw new Error(`${info.channels} channels are not supported`);
    const palette = meta.isPalette && meta.format === 'png' ? pngPalette(bytes) : undefined;
    return {
      width: info.width, height: info.height, channels, values: hasAlpha ? dropAlpha(all, info.channels) : all,
      format: meta.format ?? 'unknown', depth, storedChannels: meta.channels ?? info.channels,
      hasAlpha: meta.hasAlpha ?? hasAlpha, palette, indexed: false,
    };
  } catch (err) {
    throw new DataError(`${file} is not a readable image (${(err as Error).message.split('\n')[0]}): convert it to PNG`, file);
  }
}

function decodeBmpNative(bytes: Buffer, file: string): NativeImage {
  try {
    const bmp = decodeBmp(bytes);
    return {
      width: bmp.width, height: bmp.height, channels: bmp.channels, values: bmp.data, format: 'bmp', depth: 'uchar',
      storedChannels: bmp.channels, hasAlpha: false, palette: bmp.palette, indexed: bmp.channels === 1,
    };
  } catch (err) {
    throw new DataError(`${file} is not a readable BMP (${(err as Error).message}): convert it to PNG`, file);
  }
}

/** The colour space to decode into so that values stay as stored. */
function targetSpace(space: string, depth: string): string {
  if (['b-w', 'srgb', 'grey16', 'rgb16', 'scrgb'].includes(space)) return space;
  return depth === 'ushort' ? 'rgb16' : 'srgb';
}

function dropAlpha(all: Samples, stored: number): Samples {
  const c = stored - 1;
  const n = all.length / stored;
  const out = new (all.constructor as { new (n: number): Samples })(n * c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) out[i * c + k] = all[i * stored + k];
  return out;
}

function range(values: Samples): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.length ? [min, max] : [0, 0];
}

function to8bit(values: Samples, min: number, max: number): [Uint8Array, ImageSourceInfo['conversion']] {
  if (values instanceof Uint8Array) return [values, 'none'];
  const out = new Uint8Array(values.length);
  if (values instanceof Uint16Array) {
    for (let i = 0; i < values.length; i++) out[i] = Math.round(values[i] / 257);
    return [out, 'scaled16'];
  }
  const unit = min >= 0 && max <= 1;
  for (let i = 0; i < values.length; i++) {
    const v = unit ? values[i] * 255 : values[i];
    out[i] = Number.isNaN(v) ? 0 : Math.max(0, Math.min(255, Math.round(v)));
  }
  return [out, unit ? 'float01' : min >= 0 && max <= 255 ? 'float255' : 'floatClipped'];
}

function sourceInfo(file: string, n: NativeImage, min: number, max: number, conversion: ImageSourceInfo['conversion']): ImageSourceInfo {
  return {
    path: file, format: n.format, depth: n.depth, channels: n.storedChannels, hasAlpha: n.hasAlpha,
    isPalette: n.palette !== undefined, width: n.width, height: n.height, min, max, conversion,
  };
}

/** The PLTE chunk of a PNG as RGB triples, or undefined. */
export function pngPalette(bytes: Uint8Array): Uint8Array | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  while (p + 8 <= bytes.length) {
    const len = view.getUint32(p);
    const type = String.fromCharCode(bytes[p + 4], bytes[p + 5], bytes[p + 6], bytes[p + 7]);
    if (type === 'PLTE') return bytes.slice(p + 8, p + 8 + len);
    if (type === 'IDAT' || type === 'IEND') return undefined;
    p += 12 + len;
  }
  return undefined;
}

function isGrayPalette(pal: Uint8Array): boolean {
  for (let i = 0; i < pal.length / 3; i++) if (pal[i * 3] !== i || pal[i * 3 + 1] !== i || pal[i * 3 + 2] !== i) return false;
  return true;
}

function expandPalette(indices: Uint8Array, pal: Uint8Array): Uint8Array {
  const out = new Uint8Array(indices.length * 3);
  for (let i = 0; i < indices.length; i++) out.set(pal.subarray(indices[i] * 3, indices[i] * 3 + 3), i * 3);
  return out;
}

function paletteIndices(native: NativeImage, file: string): Uint8Array {
  const pal = native.palette as Uint8Array;
  const lookup = new Map<number, number>();
  for (let i = pal.length / 3 - 1; i >= 0; i--) lookup.set((pal[i * 3] << 16) | (pal[i * 3 + 1] << 8) | pal[i * 3 + 2], i);
  const n = native.width * native.height;
  const c = native.channels;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = native.values;
    const key = c === 1 ? (v[i] << 16) | (v[i] << 8) | v[i] : (v[i * c] << 16) | (v[i * c + 1] << 8) | v[i * c + 2];
    const index = lookup.get(key);
    if (index === undefined) throw new DataError(`palette mask ${file}: a pixel colour is not in the palette; re-save it as a gray index PNG`, file);
    out[i] = index;
  }
  return out;
}

function checkIntegerMask(values: Samples, file: string, depth: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 255 && Number.isInteger(v))) {
      throw new DataError(`mask ${file} is ${depth} and holds the value ${v}: masks must hold class indices 0–255; save it as an 8-bit PNG`, file);
    }
  }
}

function colourMaskError(file: string, n: NativeImage, i: number): DataError {
  const px = Array.from(n.values.subarray(i * 3, i * 3 + 3)).join(', ');
  const x = i % n.width;
  const y = Math.floor(i / n.width);
  return new DataError(
    `mask ${file} is a colour image (pixel (${x}, ${y}) is (${px})): masks must hold one class index per pixel; ` +
      'save a single-channel (gray or palette) PNG', file);
}
