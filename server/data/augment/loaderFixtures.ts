/**
 * A dataset factory for the loader tests (loaded inside worker threads through a `module` source): small
 * deterministic samples, with optional delays, a sample whose file is "corrupt" and a sample that crashes the
 * worker.
 */
import { DataError, RawSample, SegDataset } from '../types';

export interface FixtureOptions {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels?: 1 | 3;
  /** Milliseconds `get(i)` waits, by index (missing: 0). */
  readonly delays?: readonly number[];
  /** This index rejects with a DataError naming `/data/bad-<i>.png`. */
  readonly failAt?: number;
  /** Loading this index throws an uncaught exception in the worker. */
  readonly crashAt?: number;
  readonly withWeights?: boolean;
}

export function fixtureSample(o: FixtureOptions, i: number): RawSample & { weight?: Float32Array } {
  const { height: H, width: W } = o;
  const C = o.channels ?? 1;
  const image = new Uint8Array(H * W * C);
  const mask = new Uint8Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let k = 0; k < C; k++) image[(y * W + x) * C + k] = (i * 37 + y * 5 + x * 3 + k * 50) % 256;
      mask[y * W + x] = (x + y + i) % 3;
    }
  }
  const weight = o.withWeights ? Float32Array.from(mask, (m) => 1 + m) : undefined;
  return { id: `fixture-${i}`, imagePath: `/data/img-${i}.png`, height: H, width: W, channels: C, image, mask, ...(weight ? { weight } : {}) };
}

export function openDataset(o: FixtureOptions): SegDataset {
  return {
    description: `fixture(${o.count})`,
    classes: 3,
    classNames: ['a', 'b', 'c'],
    ignoreIndex: 255,
    length: o.count,
    get: async (i) => {
      const delay = o.delays?.[i] ?? 0;
      if (delay) await new Promise((r) => setTimeout(r, delay));
      if (i === o.failAt) throw new DataError(`cannot decode /data/bad-${i}.png: unexpected end of file`, `/data/bad-${i}.png`);
      if (i === o.crashAt) {
        setImmediate(() => {
          throw new Error(`boom while loading sample ${i}`);
        });
        await new Promise(() => undefined); // never settles: the worker dies first
      }
      return fixtureSample(o, i);
    },
  };
}
