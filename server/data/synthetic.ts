/**
 * The embedded synthetic dataset (no files): deterministic by seed, each sample generated from its own PRNG
 * stream (`mixSeed(seed, index)`), so any sample can be fetched in any order and gives the same bytes.
 *
 * - `cells` (2 classes: 0 boundary, 1 cell): ISBI-membrane-like, see syntheticCells.ts.
 * - `shapes` (4 classes: background, circle, rectangle, triangle): see syntheticShapes.ts.
 */
import { interleave } from './raster';
import { mixSeed, mulberry32 } from './rng';
import { generateCells } from './syntheticCells';
import { generateShapes } from './syntheticShapes';
import { DataError, RawSample, SegDataset } from './types';

export { mulberry32, mixSeed } from './rng';
export type { Rng } from './rng';

export type SyntheticKind = 'cells' | 'shapes';

export interface SyntheticOptions {
  readonly kind: SyntheticKind;
  readonly count: number;
  /** Height = width in pixels. */
  readonly size: number;
  readonly seed?: number;
  readonly channels?: 1 | 3;
}

const CLASS_NAMES: Record<SyntheticKind, readonly string[]> = {
  cells: ['boundary', 'cell'],
  shapes: ['background', 'circle', 'rectangle', 'triangle'],
};

export class SyntheticDataset implements SegDataset {
  readonly description: string;
  readonly classes: number;
  readonly classNames: readonly string[];
  readonly ignoreIndex = 255;
  readonly length: number;
  private readonly seed: number;
  private readonly channels: 1 | 3;

  constructor(private readonly options: SyntheticOptions) {
    const { kind, count, size } = options;
    if (kind !== 'cells' && kind !== 'shapes') throw new DataError(`synthetic "kind" must be "cells" or "shapes", got ${JSON.stringify(kind)}`);
    if (!Number.isInteger(count) || count < 1) throw new DataError(`synthetic "count" must be a positive integer, got ${JSON.stringify(count)}`);
    if (!Number.isInteger(size) || size < 8 || size > 4096) throw new DataError(`synthetic "size" must be an integer from 8 to 4096, got ${JSON.stringify(size)}`);
    this.seed = options.seed ?? 0;
    this.channels = options.channels ?? 1;
    if (this.channels !== 1 && this.channels !== 3) throw new DataError(`synthetic "channels" must be 1 or 3, got ${JSON.stringify(this.channels)}`);
    this.classNames = CLASS_NAMES[kind];
    this.classes = this.classNames.length;
    this.length = count;
    this.description = `synthetic(${kind}, ${count}x${size}px, seed ${this.seed})`;
  }

  async get(index: number): Promise<RawSample> {
    return this.generate(index);
  }

  /** Synchronous form of {@link get}. */
  generate(index: number): RawSample {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`sample index ${index} is out of range [0, ${this.length})`);
    }
    const rng = mulberry32(mixSeed(this.seed, index));
    const { size, kind } = this.options;
    let image: Uint8Array;
    let mask: Uint8Array;
    if (kind === 'cells') {
      const cells = generateCells(rng, size);
      image = interleave(Array.from({ length: this.channels }, () => cells.gray));
      mask = cells.mask;
    } else {
      ({ image, mask } = generateShapes(rng, size, this.channels));
    }
    return { id: `synthetic-${index}`, height: size, width: size, channels: this.channels, image, mask };
  }
}
