/** Float image helpers for the synthetic generators (single-channel H×W Float32Array planes). */
import { gaussian, Rng } from './rng';

/** Smooth value noise in [-1, 1]: random values on a grid of `period` pixels, smoothstep-interpolated. */
export function valueNoise(rng: Rng, width: number, height: number, period: number): Float32Array {
  const gw = Math.ceil(width / period) + 2;
  const gh = Math.ceil(height / period) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => rng() * 2 - 1);
  const out = new Float32Array(width * height);
  const smooth = (t: number) => t * t * (3 - 2 * t);
  for (let y = 0; y < height; y++) {
    const gy = y / period;
    const y0 = Math.floor(gy);
    const ty = smooth(gy - y0);
    for (let x = 0; x < width; x++) {
      const gx = x / period;
      const x0 = Math.floor(gx);
      const tx = smooth(gx - x0);
      const a = grid[y0 * gw + x0] + (grid[y0 * gw + x0 + 1] - grid[y0 * gw + x0]) * tx;
      const b = grid[(y0 + 1) * gw + x0] + (grid[(y0 + 1) * gw + x0 + 1] - grid[(y0 + 1) * gw + x0]) * tx;
      out[y * width + x] = a + (b - a) * ty;
    }
  }
  return out;
}

/** Separable Gaussian blur with clamped borders. */
export function gaussianBlur(src: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (sigma <= 0) return src.slice();
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = kernel.reduce((a, b) => a + b, 0);
  const k = kernel.map((v) => v / sum);
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  const clamp = (v: number, n: number) => (v < 0 ? 0 : v >= n ? n - 1 : v);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let i = -radius; i <= radius; i++) acc += k[i + radius] * src[y * width + clamp(x + i, width)];
      tmp[y * width + x] = acc;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let i = -radius; i <= radius; i++) acc += k[i + radius] * tmp[clamp(y + i, height) * width + x];
      out[y * width + x] = acc;
    }
  }
  return out;
}

/** Adds N(0, sigma²) noise in place. */
export function addGaussianNoise(img: Float32Array, rng: Rng, sigma: number): void {
  for (let i = 0; i < img.length; i++) img[i] += sigma * gaussian(rng);
}

/** Rounds and clips to 0–255. */
export function toBytes(img: Float32Array): Uint8Array {
  const out = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(img[i])));
  return out;
}

/** Interleaves channel planes into HWC bytes. */
export function interleave(planes: readonly Float32Array[]): Uint8Array {
  const c = planes.length;
  const n = planes[0].length;
  const out = new Uint8Array(n * c);
  for (let k = 0; k < c; k++) {
    const bytes = toBytes(planes[k]);
    for (let i = 0; i < n; i++) out[i * c + k] = bytes[i];
  }
  return out;
}
