/** Separable Gaussian blur of one float plane (borders mirrored, numpy 'reflect'), kernel radius ceil(3σ). */
import { reflectIndex } from '../transforms';

export function gaussianKernel(sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Blurs along rows (step 1) or columns (step W) of an H×W plane. */
function pass(src: ArrayLike<number>, out: Float64Array, H: number, W: number, k: Float64Array, vertical: boolean): void {
  const r = (k.length - 1) / 2;
  const len = vertical ? H : W;
  const lines = vertical ? W : H;
  const step = vertical ? W : 1;
  const lineStep = vertical ? 1 : W;
  for (let l = 0; l < lines; l++) {
    const base = l * lineStep;
    for (let i = 0; i < len; i++) {
      let acc = 0;
      if (i >= r && i + r < len) {
        const p = base + (i - r) * step;
        for (let j = 0; j < k.length; j++) acc += k[j] * src[p + j * step];
      } else {
        for (let j = -r; j <= r; j++) acc += k[j + r] * src[base + reflectIndex(i + j, len) * step];
      }
      out[base + i * step] = acc;
    }
  }
}

export function blurPlane(src: ArrayLike<number>, H: number, W: number, sigma: number): Float64Array {
  if (!(sigma > 0)) return Float64Array.from(src);
  const k = gaussianKernel(sigma);
  const tmp = new Float64Array(H * W);
  const out = new Float64Array(H * W);
  pass(src, tmp, H, W, k, false);
  pass(tmp, out, H, W, k, true);
  return out;
}
