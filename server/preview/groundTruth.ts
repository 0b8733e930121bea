/**
 * Finds the ground-truth mask of an image from a run's dataset config (config.json in the run folder): a mask
 * folder pairs `<images>/<stem>.*` with `<masks>/<stem>.*` (server/data/maskFolder.ts, label map applied), COCO
 * rasterises the annotations of the image whose `file_name` it is (server/data/coco.ts). An image outside the
 * dataset has none; a dataset that cannot be read gives a one-line `problem` instead of failing the preview.
 * No tfjs. Relative paths in the config are resolved against the run folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedConfig } from '../config/load';
import { CocoDataset } from '../data/coco';
import { MaskFolderDataset } from '../data/maskFolder';
import { fileStamp } from './runModel';

export interface GroundTruth {
  /** Class ids (label map applied; unknown values become the ignore index), row-major. */
  readonly mask: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** The mask file, or the COCO annotations file. */
  readonly source: string;
}

export interface GroundTruthLookup {
  readonly gt: GroundTruth | null;
  /** Why an image of the dataset has no usable ground truth (one line), else null. */
  readonly problem: string | null;
}

const NONE: GroundTruthLookup = { gt: null, problem: null };

type DataConfig = ResolvedConfig['data'];
type MaskFolderConfig = Extract<DataConfig, { type: 'maskFolder' }>;
type CocoConfig = Extract<DataConfig, { type: 'coco' }>;

/** The real path of a folder or file (symlinks resolved), or its resolved path when it does not exist. */
function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function stemOf(file: string): string {
  return path.basename(file).replace(/\.[^.]+$/, '');
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

export class GroundTruthFinder {
  /** Opened datasets, by image folder (mask folder) or annotations file (COCO); errors are kept too. */
  private readonly maskSets = new Map<string, { key: string; ds: MaskFolderDataset | Error }>();
  private readonly cocoSets = new Map<string, Promise<{ ds: CocoDataset; index: Map<string, number> } | Error>>();

  constructor(
    private readonly data: DataConfig,
    /** Folder relative paths are resolved against (the run folder). */
    private readonly baseDir: string,
  ) {}

  private abs(p: string): string {
    return real(path.resolve(this.baseDir, p));
  }

  /** The ground truth of `imagePath`, or none. Never throws for a bad dataset (see {@link GroundTruthLookup}). */
  async find(imagePath: string): Promise<GroundTruthLookup> {
    if (this.data.type === 'maskFolder') return this.fromMaskFolder(this.data, real(imagePath));
    if (this.data.type === 'coco') return this.fromCoco(this.data, real(imagePath));
    return NONE;
  }

  private async fromMaskFolder(d: MaskFolderConfig, imagePath: string): Promise<GroundTruthLookup> {
    const folder = path.dirname(imagePath);
    const pair = [d.train, d.val].find((f) => f !== undefined && this.abs(f.images) === folder);
    if (!pair) return NONE;
    const ds = this.maskSet(d, pair);
    if (ds instanceof Error) return { gt: null, problem: `no ground truth: ${message(ds)}` };
    const index = ds.stems.indexOf(stemOf(imagePath));
    if (index < 0) return NONE;
    try {
      const { sample, maskPath, unknownLabels } = await ds.inspect(index);
      const source = maskPath ?? pair.masks;
      const unknown = unknownLabels.reduce((n, u) => n + u.count, 0);
      const problem = unknown ? `${unknown} pixel(s) of ${source} hold values that are not classes; shown as ignored` : null;
      return { gt: { mask: sample.mask, width: sample.width, height: sample.height, source }, problem };
    } catch (err) {
      return { gt: null, problem: `no ground truth: ${message(err)}` };
    }
  }

  private maskSet(d: MaskFolderConfig, pair: { images: string; masks: string }): MaskFolderDataset | Error {
    const images = this.abs(pair.images);
    const masks = this.abs(pair.masks);
    // A file added to or removed from either folder changes its mtime, and so the key: the pairing is redone.
    const key = [fileStamp(images), masks, fileStamp(masks)].join('|');
    const known = this.maskSets.get(images);
    if (known && known.key === key) return known.ds;
    let ds: MaskFolderDataset | Error;
    try {
      const labelMap = d.labelMap ? Object.fromEntries(Object.entries(d.labelMap).map(([k, v]) => [Number(k), v])) : undefined;
      ds = new MaskFolderDataset({ images, masks, classes: d.classes, classNames: d.classNames, ignoreIndex: d.ignoreIndex, labelMap, channels: 1 });
    } catch (err) {
      ds = err instanceof Error ? err : new Error(String(err));
    }
    this.maskSets.set(images, { key, ds });
    return ds;
  }

  private async fromCoco(d: CocoConfig, imagePath: string): Promise<GroundTruthLookup> {
    for (const split of [d.train, d.val]) {
      const rel = path.relative(this.abs(split.images), imagePath);
      if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
      const opened = await this.cocoSet(d, split);
      if (opened instanceof Error) return { gt: null, problem: `no ground truth: ${message(opened)}` };
      const index = opened.index.get(rel.split(path.sep).join('/'));
      if (index === undefined) continue;
      try {
        const { sample } = await opened.ds.inspect(index);
        return { gt: { mask: sample.mask, width: sample.width, height: sample.height, source: this.abs(split.annotations) }, problem: null };
      } catch (err) {
        return { gt: null, problem: `no ground truth: ${message(err)}` };
      }
    }
    return NONE;
  }

  private cocoSet(d: CocoConfig, split: { annotations: string; images: string }): Promise<{ ds: CocoDataset; index: Map<string, number> } | Error> {
    const file = this.abs(split.annotations);
    let p = this.cocoSets.get(file);
    if (!p) {
      p = (async () => {
        try {
          const ds = await CocoDataset.open({ annotations: file, images: this.abs(split.images), ignoreIndex: d.ignoreIndex, crowd: d.crowd, categories: d.categories });
          // CocoDataset keeps the JSON's image order; its file names give the index of each image.
          const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { images: { file_name: string }[] };
          return { ds, index: new Map(json.images.map((im, i) => [path.posix.normalize(im.file_name), i])) };
        } catch (err) {
          return err instanceof Error ? err : new Error(String(err));
        }
      })();
      this.cocoSets.set(file, p);
    }
    return p;
  }
}
