/**
 * Where loader workers get samples from, as plain data that can cross into a worker:
 *
 * - `shared`: samples already in memory, packed once into a SharedArrayBuffer that every worker reads without
 *   copying ({@link packSamples}).
 * - `module`: a CommonJS module (compiled .js, absolute path) exporting a function `(options) => SegDataset`
 *   (or a promise of one); each worker opens its own dataset and decodes files itself. `options` must be
 *   structured-clonable. Samples may carry a `weight` plane (Float32Array), which travels with the mask.
 */
import type { RawSample, SegDataset } from '../types';
import type { AugSample } from './types';

export type LoadedSample = AugSample & { readonly id: string; readonly imagePath?: string };

interface SharedEntry {
  readonly id: string;
  readonly imagePath?: string;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Byte offsets into the buffer; weight -1 when absent. */
  readonly image: number;
  readonly mask: number;
  readonly weight: number;
}

export interface SharedSource {
  readonly kind: 'shared';
  readonly buffer: SharedArrayBuffer;
  readonly entries: readonly SharedEntry[];
}

export interface ModuleSource {
  readonly kind: 'module';
  /** Absolute path of the module (what `require.resolve` returns). */
  readonly module: string;
  /** Exported factory name; default `openDataset`. */
  readonly export?: string;
  readonly options?: unknown;
}

export type SampleSource = SharedSource | ModuleSource;

/** A random-access view of a source inside one thread. */
export interface OpenedSource {
  readonly length: number;
  get(index: number): Promise<LoadedSample>;
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

/** Copies samples (and their weight planes) into one SharedArrayBuffer. */
export function packSamples(samples: readonly (RawSample & { readonly weight?: Float32Array })[]): SharedSource {
  let size = 0;
  const entries: SharedEntry[] = samples.map((s) => {
    const image = size;
    const mask = image + s.image.length;
    size = align4(mask + s.mask.length);
    let weight = -1;
    if (s.weight) {
      weight = size;
      size += s.weight.byteLength;
    }
    return { id: s.id, imagePath: s.imagePath, height: s.height, width: s.width, channels: s.channels, image, mask, weight };
  });
  const buffer = new SharedArrayBuffer(Math.max(4, size));
  const bytes = new Uint8Array(buffer);
  samples.forEach((s, i) => {
    const e = entries[i];
    bytes.set(s.image, e.image);
    bytes.set(s.mask, e.mask);
    if (s.weight) new Float32Array(buffer, e.weight, s.weight.length).set(s.weight);
  });
  return { kind: 'shared', buffer, entries };
}

/** Zero-copy views of packed sample `index`. */
export function sharedSample(src: SharedSource, index: number): LoadedSample {
  const e = src.entries[index];
  const hw = e.height * e.width;
  return {
    id: e.id,
    ...(e.imagePath ? { imagePath: e.imagePath } : {}),
    height: e.height,
    width: e.width,
    channels: e.channels,
    image: new Uint8Array(src.buffer, e.image, hw * e.channels),
    mask: new Uint8Array(src.buffer, e.mask, hw),
    ...(e.weight >= 0 ? { weight: new Float32Array(src.buffer, e.weight, hw) } : {}),
  };
}

async function openModule(src: ModuleSource): Promise<SegDataset> {
  const name = src.export ?? 'openDataset';
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(src.module) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`loader: cannot load the dataset module ${src.module}: ${(err as Error).message}`);
  }
  const factory = mod[name];
  if (typeof factory !== 'function') {
    throw new Error(`loader: ${src.module} does not export a function "${name}" (it exports ${Object.keys(mod).join(', ') || 'nothing'})`);
  }
  return (await (factory as (o: unknown) => SegDataset | Promise<SegDataset>)(src.options)) as SegDataset;
}

/** Opens a source in the current thread. */
export async function openSource(src: SampleSource): Promise<OpenedSource> {
  const checked = (length: number, get: (i: number) => Promise<LoadedSample>): OpenedSource => ({
    length,
    get: (i) => {
      if (!Number.isInteger(i) || i < 0 || i >= length) {
        return Promise.reject(new Error(`loader: sample index ${i} is out of range (the dataset has ${length} samples)`));
      }
      return get(i);
    },
  });
  if (src.kind === 'shared') return checked(src.entries.length, async (i) => sharedSample(src, i));
  const ds = await openModule(src);
  return checked(ds.length, (i) => ds.get(i) as Promise<LoadedSample>);
}
