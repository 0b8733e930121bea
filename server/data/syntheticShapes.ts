/**
 * 'shapes': 3–6 overlapping circles (class 1), rotated rectangles (class 2) and triangles (class 3) on a textured,
 * noisy background (class 0). Each object's colour is random (never tied to its class) but contrasts with the
 * background, so the class must be read from the shape. Later objects cover earlier ones; a pixel belongs to a
 * shape when its centre lies inside it.
 */
import { addGaussianNoise, gaussianBlur, interleave, valueNoise } from './raster';
import { randInt, Rng, uniform } from './rng';

type Inside = (x: number, y: number) => boolean;

function circle(rng: Rng, cx: number, cy: number, r: number): Inside {
  const rr = r * r * uniform(rng, 0.8, 1);
  return (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= rr;
}

function rectangle(rng: Rng, cx: number, cy: number, r: number): Inside {
  const a = r * uniform(rng, 0.55, 1);
  const b = r * uniform(rng, 0.55, 1);
  const t = uniform(rng, 0, Math.PI);
  const c = Math.cos(t), s = Math.sin(t);
  return (x, y) => Math.abs((x - cx) * c + (y - cy) * s) <= a && Math.abs(-(x - cx) * s + (y - cy) * c) <= b;
}

function triangle(rng: Rng, cx: number, cy: number, r: number): Inside {
  const t0 = uniform(rng, 0, 2 * Math.PI);
  const pts = [0, 1, 2].map((k) => {
    const t = t0 + (k * 2 * Math.PI) / 3 + uniform(rng, -0.3, 0.3);
    const rad = r * uniform(rng, 0.9, 1.25);
    return [cx + rad * Math.cos(t), cy + rad * Math.sin(t)];
  });
  const side = (p: number[], q: number[], x: number, y: number) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  return (x, y) => {
    const d0 = side(pts[0], pts[1], x, y), d1 = side(pts[1], pts[2], x, y), d2 = side(pts[2], pts[0], x, y);
    return (d0 >= 0 && d1 >= 0 && d2 >= 0) || (d0 <= 0 && d1 <= 0 && d2 <= 0);
  };
}

const makers = [circle, rectangle, triangle];

/** A random level in [15, 240] at least 45 away from the background level. */
function contrasting(rng: Rng, background: number): number {
  const below = Math.max(0, background - 45 - 15);
  const above = Math.max(0, 240 - (background + 45));
  const u = rng() * (below + above);
  return u < below ? 15 + u : background + 45 + (u - below);
}

/** Generates one shapes image (HWC bytes) and its 0..3 mask. */
export function generateShapes(rng: Rng, size: number, channels: 1 | 3): { image: Uint8Array; mask: Uint8Array } {
  const base = Array.from({ length: channels }, () => uniform(rng, 70, 185));
  const texture = valueNoise(rng, size, size, Math.max(3, size / 8));
  const planes = base.map((b) => Float32Array.from(texture, (t) => b + 25 * t));
  const mask = new Uint8Array(size * size);
  const count = 3 + randInt(rng, 4);
  for (let o = 0; o < count; o++) {
    const cls = 1 + randInt(rng, 3);
    const r = uniform(rng, size / 10, size / 4.5);
    const inside = makers[cls - 1](rng, uniform(rng, 0, size), uniform(rng, 0, size), r);
    const colour = base.map((b) => contrasting(rng, b));
    const shade = uniform(rng, 6, 14);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        if (!inside(x + 0.5, y + 0.5)) continue;
        const i = y * size + x;
        mask[i] = cls;
        for (let k = 0; k < channels; k++) planes[k][i] = colour[k] + shade * texture[i];
      }
    }
  }
  const noise = uniform(rng, 6, 12);
  const out = planes.map((p) => {
    const blurred = gaussianBlur(p, size, size, 0.5);
    addGaussianNoise(blurred, rng, noise);
    return blurred;
  });
  return { image: interleave(out), mask };
}
