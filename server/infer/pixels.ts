/**
 * Pixel-array helpers shared by inference, augmentation and export, with no tfjs import (loader workers and
 * export code load this without a backend): mirror indexing, channel conversion, resizing and flips.
 */

export { convertChannels, reflectIndex } from '../data/transforms';

/** Nearest-neighbour resize of a class map (or any 1-channel 8-bit image). */
export function resizeNearest(src: Uint8Array, h: number, w: number, oh: number, ow: number): Uint8Array {
  const out = new Uint8Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / oh));
    for (let x = 0; x < ow; x++) out[y * ow + x] = src[sy * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / ow))];
  }
  return out;
}

/** Bilinear resize of an 8-bit HWC image (half-pixel centres, as OpenCV/PIL). */
export function resizeBilinear(src: Uint8Array, h: number, w: number, c: number, oh: number, ow: number): Uint8Array {
  const out = new Uint8Array(oh * ow * c);
  for (let y = 0; y < oh; y++) {
    const fy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / oh - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const dy = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / ow - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const dx = fx - x0;
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * w + x0) * c + k] * (1 - dx) + src[(y0 * w + x1) * c + k] * dx;
        const b = src[(y1 * w + x0) * c + k] * (1 - dx) + src[(y1 * w + x1) * c + k] * dx;
        out[(y * ow + x) * c + k] = Math.round(a * (1 - dy) + b * dy);
      }
    }
  }
  return out;
}

export type Flip = 'h' | 'v';

/** Mirrors an HWC array left-right ('h') or top-bottom ('v'). */
export function flipHWC<A extends Uint8Array | Float32Array>(a: A, h: number, w: number, c: number, dir: Flip): A {
  const out = a.slice() as A;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = dir === 'h' ? (y * w + (w - 1 - x)) * c : ((h - 1 - y) * w + x) * c;
      for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = a[src + k];
    }
  }
  return out;
}

/** Bilinear resize of float HWC data (half-pixel centres, edges clamped: PyTorch align_corners=False). */
export function resizeFloat(src: Float32Array, h: number, w: number, c: number, oh: number, ow: number): Float32Array {
  const out = new Float32Array(oh * ow * c);
  const axis = (o: number, n: number, m: number): [number, number, number] => {
    const s = Math.min(m - 1, Math.max(0, ((o + 0.5) * m) / n - 0.5));
    const i0 = Math.floor(s);
    return [i0, Math.min(m - 1, i0 + 1), s - i0];
  };
  for (let y = 0; y < oh; y++) {
    const [y0, y1, fy] = axis(y, oh, h);
    for (let x = 0; x < ow; x++) {
      const [x0, x1, fx] = axis(x, ow, w);
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * w + x0) * c + k] * (1 - fx) + src[(y0 * w + x1) * c + k] * fx;
        const b = src[(y1 * w + x0) * c + k] * (1 - fx) + src[(y1 * w + x1) * c + k] * fx;
        out[(y * ow + x) * c + k] = a * (1 - fy) + b * fy;
      }
    }
  }
  return out;
}
