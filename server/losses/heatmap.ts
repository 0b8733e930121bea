/**
 * Weight maps as heatmap images, for `seglab data weights IMAGE`.
 *
 * Colormap ("hot", thirds): t = (w - lo) / (hi - lo) clamped to [0, 1];
 * red = clamp(3t), green = clamp(3t - 1), blue = clamp(3t - 2), each scaled to 0..255 and rounded.
 * So black (lowest weight) -> red -> yellow -> white (highest). lo/hi default to the map's minimum and maximum.
 */
import {deflateSync} from 'node:zlib';

export interface HeatmapOptions {
  /** Weight shown black (default: the map's minimum). */
  readonly lo?: number;
  /** Weight shown white (default: the map's maximum). */
  readonly hi?: number;
}

/** A rendered heatmap: row-major RGB bytes and the weight range the colours span. */
export interface Heatmap {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
  readonly lo: number;
  readonly hi: number;
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** The colour of t in [0, 1] (clamped) as [r, g, b] bytes. */
export function hotColor(t: number): [number, number, number] {
  const u = clamp01(t);
  return [Math.round(255 * clamp01(3 * u)), Math.round(255 * clamp01(3 * u - 1)), Math.round(255 * clamp01(3 * u - 2))];
}

/** Renders `weights` (row-major, height x width) with the colormap above. A constant map is all black. */
export function weightMapHeatmap(weights: ArrayLike<number>, height: number, width: number, opts: HeatmapOptions = {}): Heatmap {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1 || weights.length !== height * width) {
    throw new Error(`weightMapHeatmap: ${weights.length} weights do not fit ${height}x${width}`);
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!Number.isFinite(w)) throw new Error(`weightMapHeatmap: weight ${i} is ${w}; weights must be finite`);
    min = Math.min(min, w);
    max = Math.max(max, w);
  }
  const lo = opts.lo ?? min;
  const hi = opts.hi ?? max;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi >= lo)) {
    throw new Error(`weightMapHeatmap: need finite lo <= hi; got lo ${lo}, hi ${hi}`);
  }
  const span = hi - lo;
  const rgb = new Uint8Array(height * width * 3);
  for (let i = 0; i < weights.length; i++) {
    rgb.set(hotColor(span > 0 ? (weights[i] - lo) / span : 0), 3 * i);
  }
  return {width, height, rgb, lo, hi};
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE, as PNG chunks use). */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes 8-bit RGB pixels (row-major) as a PNG file's bytes (no filtering, zlib level 6). */
export function encodePngRgb(rgb: Uint8Array, width: number, height: number): Uint8Array {
  if (rgb.length !== width * height * 3) throw new Error(`encodePngRgb: ${rgb.length} bytes do not fit ${width}x${height} RGB`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace
  const rows = Buffer.alloc(height * (1 + 3 * width));
  for (let y = 0; y < height; y++) rows.set(rgb.subarray(3 * width * y, 3 * width * (y + 1)), y * (1 + 3 * width) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const png = Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', new Uint8Array(0))]);
  return new Uint8Array(png.buffer, png.byteOffset, png.length);
}

/** The heatmap of `weights` as PNG bytes (write them to a file as they are). */
export function weightMapPng(weights: ArrayLike<number>, height: number, width: number, opts: HeatmapOptions = {}): Uint8Array {
  const map = weightMapHeatmap(weights, height, width, opts);
  return encodePngRgb(map.rgb, width, height);
}
