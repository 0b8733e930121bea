/**
 * Image folder + mask folder dataset: `images/<stem>.<ext>` pairs with `masks/<stem>.<ext>`, in natural order.
 * Mask values are class indices, the ignore index, or raw values translated by `labelMap`
 * (e.g. `{0: 0, 255: 1}` for 0/255 masks); anything else is an error naming the file, the value and its count.
 */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { listSome, SizeMismatchError, UnknownLabelError } from './errors';
import { DecodedMask, readImage, readMask } from './image';
import { naturalCompare } from './natural';
import { mulberry32, shuffled } from './rng';
import { DataError, InspectableDataset, LabelCount, RawSample, SampleInspection } from './types';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff'];
export const MASK_EXTENSIONS = ['.png', '.tif', '.tiff', '.bmp'];

export interface MaskFolderOptions {
  readonly images: string;
  readonly masks: string;
  readonly classes: number;
  readonly classNames?: readonly string[];
  /** Default 255. */
  readonly ignoreIndex?: number;
  /** Raw mask value -> class index (or the ignore index). Values not listed are errors unless equal to ignoreIndex. */
  readonly labelMap?: Readonly<Record<number, number>>;
  readonly channels: 1 | 3;
  /** Keep only these positions of the sorted pair list (e.g. from {@link splitIndices}). */
  readonly indices?: readonly number[];
}

interface Pair {
  readonly stem: string;
  readonly image: string;
  readonly mask: string;
}

export class MaskFolderDataset implements InspectableDataset {
  readonly description: string;
  readonly classes: number;
  readonly classNames: readonly string[];
  readonly ignoreIndex: number;
  /** raw value -> class index / ignore index, or -1 for an unknown value. */
  private readonly lookup: Int16Array;
  private readonly pairs: readonly Pair[];

  /** Lists and pairs the files (synchronously); throws a DataError on bad options or unpaired files. */
  constructor(private readonly options: MaskFolderOptions) {
    this.description = `maskFolder(${options.images})`;
    this.classes = options.classes;
    this.ignoreIndex = options.ignoreIndex ?? 255;
    checkClasses(options.classes, this.ignoreIndex);
    this.classNames = options.classNames ?? Array.from({ length: options.classes }, (_, i) => `class${i}`);
    if (this.classNames.length !== options.classes) {
      throw new DataError(`"classNames" has ${this.classNames.length} names but "classes" is ${options.classes}: give one name per class`);
    }
    this.lookup = buildLookup(options.classes, this.ignoreIndex, options.labelMap);
    this.pairs = selectIndices(pairFiles(options.images, options.masks), options.indices);
  }

  get length(): number {
    return this.pairs.length;
  }

  /** File stems in dataset order. */
  get stems(): string[] {
    return this.pairs.map((p) => p.stem);
  }

  async get(index: number): Promise<RawSample> {
    const { sample, unknown, pair } = await this.load(index);
    if (unknown.length) throw unknownLabelError(pair.mask, unknown, this.classes, this.ignoreIndex, this.options.labelMap !== undefined);
    return sample;
  }

  async inspect(index: number): Promise<SampleInspection> {
    const { sample, unknown, pair, image, mask } = await this.load(index);
    return { sample, image, mask, maskPath: pair.mask, unknownLabels: unknown };
  }

  private async load(index: number) {
    if (!Number.isInteger(index) || index < 0 || index >= this.pairs.length) {
      throw new RangeError(`sample index ${index} is out of range [0, ${this.pairs.length})`);
    }
    const pair = this.pairs[index];
    const img = await readImage(pair.image, { channels: this.options.channels });
    const raw = await readMask(pair.mask);
    if (raw.width !== img.width || raw.height !== img.height) {
      throw new SizeMismatchError(
        `mask ${pair.mask} is ${raw.width}x${raw.height} but image ${pair.image} is ${img.width}x${img.height}: ` +
          'masks must have the size of their image', pair.mask);
    }
    const { mask, unknown } = this.mapLabels(raw);
    const sample: RawSample = {
      id: pair.stem, imagePath: pair.image, height: img.height, width: img.width, channels: img.channels, image: img.data, mask,
    };
    return { sample, unknown, pair, image: img.source, mask: raw.source };
  }

  /** Applies the label map; unknown values become the ignore index and are counted. */
  private mapLabels(raw: DecodedMask): { mask: Uint8Array; unknown: LabelCount[] } {
    const mask = new Uint8Array(raw.data.length);
    const bad = new Map<number, number>();
    for (let i = 0; i < raw.data.length; i++) {
      const v = raw.data[i];
      const c = this.lookup[v];
      if (c < 0) {
        bad.set(v, (bad.get(v) ?? 0) + 1);
        mask[i] = this.ignoreIndex;
      } else mask[i] = c;
    }
    const unknown = [...bad].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value - b.value);
    return { mask, unknown };
  }
}

function checkClasses(classes: number, ignoreIndex: number): void {
  if (!Number.isInteger(classes) || classes < 1 || classes > 255) throw new DataError(`"classes" must be an integer from 1 to 255, got ${JSON.stringify(classes)}`);
  if (!Number.isInteger(ignoreIndex) || ignoreIndex < classes || ignoreIndex > 255) {
    throw new DataError(`"ignoreIndex" ${JSON.stringify(ignoreIndex)} must be an integer from ${classes} (the class count) to 255`);
  }
}

function buildLookup(classes: number, ignoreIndex: number, labelMap?: Readonly<Record<number, number>>): Int16Array {
  const lookup = new Int16Array(256).fill(-1);
  lookup[ignoreIndex] = ignoreIndex;
  if (!labelMap) {
    for (let c = 0; c < classes; c++) lookup[c] = c;
    return lookup;
  }
  for (const [key, value] of Object.entries(labelMap)) {
    const raw = Number(key);
    if (!Number.isInteger(raw) || raw < 0 || raw > 255) throw new DataError(`"labelMap" key ${JSON.stringify(key)} must be a mask value from 0 to 255`);
    if (!Number.isInteger(value) || ((value < 0 || value >= classes) && value !== ignoreIndex)) {
      throw new DataError(`"labelMap" maps ${raw} to ${JSON.stringify(value)}, which is neither a class (0..${classes - 1}) nor the ignore index ${ignoreIndex}`);
    }
    lookup[raw] = value;
  }
  return lookup;
}

function unknownLabelError(file: string, unknown: readonly LabelCount[], classes: number, ignoreIndex: number, mapped: boolean): UnknownLabelError {
  const list = listSome(unknown.map((u) => `${u.value} (${u.count} pixels)`), 5);
  const fix = mapped
    ? 'add these values to "labelMap"'
    : `set "labelMap" (e.g. {"0": 0, "255": 1} for 0/255 masks) or raise "classes"`;
  return new UnknownLabelError(
    `mask ${file} has values that are not classes: ${list}; "classes" is ${classes} and "ignoreIndex" is ${ignoreIndex}: ${fix}`,
    file, unknown);
}

/** Lists image and mask files (by extension, case-insensitive) keyed by stem; duplicate stems are errors. */
function listByStem(folder: string, extensions: readonly string[], role: string): Map<string, string> {
  let names: string[];
  try {
    if (!statSync(folder).isDirectory()) throw new Error('not a folder');
    names = readdirSync(folder);
  } catch {
    throw new DataError(`${role} folder ${folder} does not exist or is not a folder: check "${role}" in your config`, folder);
  }
  const byStem = new Map<string, string>();
  for (const name of names) {
    const ext = path.extname(name).toLowerCase();
    if (!extensions.includes(ext) || name.startsWith('.')) continue;
    const stem = name.slice(0, name.length - ext.length);
    const other = byStem.get(stem);
    if (other) throw new DataError(`${role} folder ${folder} has two files with the stem "${stem}": ${path.basename(other)} and ${name}; keep one`, folder);
    byStem.set(stem, path.join(folder, name));
  }
  return byStem;
}

function pairFiles(imagesDir: string, masksDir: string): Pair[] {
  const images = listByStem(imagesDir, IMAGE_EXTENSIONS, 'images');
  const masks = listByStem(masksDir, MASK_EXTENSIONS, 'masks');
  if (images.size === 0) throw new DataError(`images folder ${imagesDir} holds no images (${IMAGE_EXTENSIONS.join(' ')})`, imagesDir);
  const noMask = [...images.keys()].filter((s) => !masks.has(s)).sort(naturalCompare);
  const noImage = [...masks.keys()].filter((s) => !images.has(s)).sort(naturalCompare);
  if (noMask.length) {
    throw new DataError(`${noMask.length} image(s) in ${imagesDir} have no mask in ${masksDir}: ${listSome(noMask)}; ` +
      `add a mask with the same file stem (${MASK_EXTENSIONS.join(' ')})`, imagesDir);
  }
  if (noImage.length) {
    throw new DataError(`${noImage.length} mask(s) in ${masksDir} have no image in ${imagesDir}: ${listSome(noImage)}; ` +
      'remove them or add the images', masksDir);
  }
  return [...images.keys()].sort(naturalCompare).map((stem) => ({ stem, image: images.get(stem) as string, mask: masks.get(stem) as string }));
}

function selectIndices(pairs: Pair[], indices?: readonly number[]): Pair[] {
  if (!indices) return pairs;
  const bad = indices.filter((i) => !Number.isInteger(i) || i < 0 || i >= pairs.length);
  if (bad.length) throw new DataError(`"indices" has ${listSome(bad.map(String))} outside 0..${pairs.length - 1} (the folder has ${pairs.length} pairs)`);
  return indices.map((i) => pairs[i]);
}

export interface SplitOptions {
  /** Number of validation samples. */
  readonly count?: number;
  /** Fraction of samples for validation (used when `count` is not given). */
  readonly fraction?: number;
  /** `last`: the last samples validate; `seeded`: a seeded random choice. */
  readonly mode: 'last' | 'seeded';
  readonly seed?: number;
}

/** Splits positions 0..n-1 into train and val (both sorted); val gets at least 1 and train at least 1 sample. */
export function splitIndices(n: number, options: SplitOptions): { train: number[]; val: number[] } {
  const { count, fraction, mode, seed = 0 } = options;
  if (mode !== 'last' && mode !== 'seeded') throw new DataError(`split: "mode" must be "last" or "seeded", got ${JSON.stringify(mode)}`);
  if (count === undefined && fraction === undefined) throw new DataError('split: give "count" or "fraction" for the validation part');
  if (fraction !== undefined && !(fraction > 0 && fraction < 1)) throw new DataError(`split: "fraction" must be between 0 and 1, got ${fraction}`);
  const k = count ?? Math.max(1, Math.round(n * (fraction as number)));
  if (!Number.isInteger(k) || k < 1 || k >= n) {
    throw new DataError(`split: the validation part must hold 1 to ${n - 1} of ${n} samples, got ${JSON.stringify(k)}; ` +
      'change "count"/"fraction" or add samples');
  }
  const all = Array.from({ length: n }, (_, i) => i);
  const valSet = new Set(mode === 'last' ? all.slice(n - k) : shuffled(all, mulberry32(seed)).slice(0, k));
  return { train: all.filter((i) => !valSet.has(i)), val: all.filter((i) => valSet.has(i)) };
}
