/**
 * 'cells': a miniature of the ISBI 2012 membrane problem. Cells are the Voronoi regions of jittered grid seeds;
 * class 0 ("boundary") is every pixel within w/2 of the bisector between its two nearest seeds (w ≈ 1.8–2.6 px),
 * class 1 ("cell") the rest. The image draws dark membranes along those bands (with varying strength), cell
 * interiors of varying brightness with smooth texture, dark round organelles inside cells (distractors that a
 * plain threshold mistakes for membrane), an illumination gradient, a mild blur and pixel noise.
 */
import { addGaussianNoise, gaussianBlur, valueNoise } from './raster';
import { Rng, uniform } from './rng';

interface Seeds {
  readonly spacing: number;
  readonly n: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly brightness: Float32Array;
}

/** Seeds on a grid covering [-spacing, size + spacing), jittered within their grid cell. */
function makeSeeds(rng: Rng, size: number): Seeds {
  const spacing = uniform(rng, 12, 17);
  const n = Math.ceil(size / spacing) + 2;
  const x = new Float32Array(n * n);
  const y = new Float32Array(n * n);
  const brightness = new Float32Array(n * n);
  for (let i = 0; i < n * n; i++) {
    x[i] = ((i % n) - 1 + 0.5 + uniform(rng, -0.38, 0.38)) * spacing;
    y[i] = (Math.floor(i / n) - 1 + 0.5 + uniform(rng, -0.38, 0.38)) * spacing;
    brightness[i] = uniform(rng, 115, 200);
  }
  return { spacing, n, x, y, brightness };
}

/** For each pixel: index of the nearest seed and the distance to the bisector with the second nearest. */
function voronoi(seeds: Seeds, size: number): { owner: Int32Array; edge: Float32Array } {
  const owner = new Int32Array(size * size);
  const edge = new Float32Array(size * size);
  const { spacing, n, x, y } = seeds;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const cx = px + 0.5;
      const cy = py + 0.5;
      const gx = Math.floor(cx / spacing) + 1;
      const gy = Math.floor(cy / spacing) + 1;
      let d1 = Infinity, d2 = Infinity, i1 = 0, i2 = 0;
      for (let j = Math.max(0, gy - 2); j <= Math.min(n - 1, gy + 2); j++) {
        for (let i = Math.max(0, gx - 2); i <= Math.min(n - 1, gx + 2); i++) {
          const k = j * n + i;
          const d = (x[k] - cx) ** 2 + (y[k] - cy) ** 2;
          if (d < d1) {
            d2 = d1; i2 = i1; d1 = d; i1 = k;
          } else if (d < d2) {
            d2 = d; i2 = k;
          }
        }
      }
      const sep = Math.hypot(x[i1] - x[i2], y[i1] - y[i2]);
      owner[py * size + px] = i1;
      edge[py * size + px] = (d2 - d1) / (2 * sep); // exact distance to the bisector of the two nearest seeds
    }
  }
  return { owner, edge };
}

/** Generates one gray cells image (0–255 floats, before rounding) and its 0/1 mask. */
export function generateCells(rng: Rng, size: number): { gray: Float32Array; mask: Uint8Array } {
  const seeds = makeSeeds(rng, size);
  const { owner, edge } = voronoi(seeds, size);
  const half = uniform(rng, 0.9, 1.3); // half of the membrane width
  const texture = valueNoise(rng, size, size, 4);
  const strength = valueNoise(rng, size, size, 9);
  const mask = new Uint8Array(size * size);
  const gray = new Float32Array(size * size);
  const membraneLevel = uniform(rng, 45, 75);
  for (let i = 0; i < gray.length; i++) {
    mask[i] = edge[i] < half ? 0 : 1;
    const cell = seeds.brightness[owner[i]] + 14 * texture[i];
    const a = Math.exp(-Math.LN2 * (edge[i] / half) ** 4); // 1 on the membrane centre line, 0.5 at the label border
    const dark = membraneLevel + 22 * (strength[i] + 1); // some membranes are fainter
    gray[i] = cell + a * (dark - cell);
  }
  drawOrganelles(rng, gray, mask, size);
  const blurred = gaussianBlur(gray, size, size, 0.6);
  shadeAndNoise(rng, blurred, size);
  return { gray: blurred, mask };
}

/** Dark round blobs inside cells (never on the boundary class). */
function drawOrganelles(rng: Rng, gray: Float32Array, mask: Uint8Array, size: number): void {
  const count = Math.round((size * size) / uniform(rng, 220, 320));
  for (let b = 0; b < count; b++) {
    const cx = uniform(rng, 0, size);
    const cy = uniform(rng, 0, size);
    const r = uniform(rng, 1.3, 3.0);
    const level = uniform(rng, 60, 115);
    for (let y = Math.max(0, Math.floor(cy - r - 1)); y < Math.min(size, Math.ceil(cy + r + 1)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r - 1)); x < Math.min(size, Math.ceil(cx + r + 1)); x++) {
        const i = y * size + x;
        if (mask[i] === 0) continue;
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        const a = Math.max(0, Math.min(1, r + 0.5 - d));
        gray[i] += a * (level - gray[i]);
      }
    }
  }
}

/** Illumination gradient, gain/offset jitter and pixel noise. */
function shadeAndNoise(rng: Rng, gray: Float32Array, size: number): void {
  const angle = uniform(rng, 0, 2 * Math.PI);
  const slope = uniform(rng, 0, 25) / size;
  const gain = uniform(rng, 0.9, 1.1);
  const offset = uniform(rng, -15, 15);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const ramp = slope * ((x - size / 2) * Math.cos(angle) + (y - size / 2) * Math.sin(angle));
      gray[y * size + x] = gain * gray[y * size + x] + offset + ramp;
    }
  }
  addGaussianNoise(gray, rng, uniform(rng, 6, 11));
}
