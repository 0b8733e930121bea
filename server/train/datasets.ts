/** From the validated config to train/val datasets, samples in memory and the normalisation in use. */
import type { ResolvedConfig } from '../config/load';
import { CocoDataset } from '../data/coco';
import { MaskFolderDataset, splitIndices } from '../data/maskFolder';
import { SyntheticDataset } from '../data/synthetic';
import { computeMeanStd } from '../data/transforms';
import { DataError, RawSample, SegDataset } from '../data/types';

/** Class layout shared by the train and val sets. */
export interface DatasetMeta {
  readonly classes: number;
  readonly classNames: readonly string[];
  readonly ignoreIndex: number;
}

/** ImageNet statistics on the 0–1 scale (RGB), as in torchvision and smp. */
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

function labelMapOf(raw: Record<string, number> | undefined): Record<number, number> | undefined {
  if (!raw) return undefined;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [Number(k), v]));
}

async function openMaskFolder(
  d: Extract<ResolvedConfig['data'], { type: 'maskFolder' }>,
  channels: 1 | 3 | undefined,
): Promise<{ train: SegDataset; val: SegDataset }> {
  const opts = {
    classes: d.classes,
    classNames: d.classNames,
    ignoreIndex: d.ignoreIndex,
    labelMap: labelMapOf(d.labelMap),
    // Undefined keeps each file's own channels (gray stays gray); the model's count is applied per batch.
    channels: channels as 1 | 3,
  };
  if (d.val) {
    return {
      train: new MaskFolderDataset({ ...opts, images: d.train.images, masks: d.train.masks }),
      val: new MaskFolderDataset({ ...opts, images: d.val.images, masks: d.val.masks }),
    };
  }
  const all = new MaskFolderDataset({ ...opts, images: d.train.images, masks: d.train.masks });
  const split = splitIndices(all.length, { count: d.split?.count, fraction: d.split?.fraction, mode: d.split?.mode ?? 'last' });
  return {
    train: new MaskFolderDataset({ ...opts, images: d.train.images, masks: d.train.masks, indices: split.train }),
    val: new MaskFolderDataset({ ...opts, images: d.train.images, masks: d.train.masks, indices: split.val }),
  };
}

/** Opens the datasets the config names (file listing and JSON parsing happen here; pixels load lazily). */
export async function openDatasets(cfg: ResolvedConfig): Promise<{ train: SegDataset; val: SegDataset; meta: DatasetMeta }> {
  const d = cfg.data;
  let sets: { train: SegDataset; val: SegDataset };
  if (d.type === 'synthetic') {
    const base = { kind: d.kind, size: d.size };
    sets = {
      train: new SyntheticDataset({ ...base, count: d.trainCount, seed: d.seed }),
      // A different seed stream for validation: no image is shared with training.
      val: new SyntheticDataset({ ...base, count: d.valCount, seed: d.seed + 7919 }),
    };
  } else if (d.type === 'maskFolder') {
    sets = await openMaskFolder(d, cfg.model.inChannels);
  } else {
    const common = { ignoreIndex: d.ignoreIndex, crowd: d.crowd, categories: d.categories, channels: 3 as const };
    sets = {
      train: await CocoDataset.open({ ...common, ...d.train }),
      val: await CocoDataset.open({ ...common, ...d.val }),
    };
  }
  const { train, val } = sets;
  if (train.length === 0) throw new DataError(`${train.description}: no training samples`);
  if (val.length === 0) throw new DataError(`${val.description}: no validation samples`);
  if (train.classes !== val.classes) {
    throw new DataError(`train has ${train.classes} classes but val has ${val.classes}: both must use the same categories`);
  }
  return { train, val, meta: { classes: train.classes, classNames: train.classNames, ignoreIndex: train.ignoreIndex } };
}

/** Loads every sample into memory (the datasets SegLab targets are small; decoding once keeps steps fast). */
export async function loadSamples(ds: SegDataset): Promise<RawSample[]> {
  const out: RawSample[] = [];
  for (let i = 0; i < ds.length; i++) out.push(await ds.get(i));
  return out;
}

/** An in-memory dataset over already-loaded samples. */
export function memoryDataset(samples: readonly RawSample[], meta: DatasetMeta): SegDataset {
  return {
    description: `memory(${samples.length})`,
    classes: meta.classes,
    classNames: meta.classNames,
    ignoreIndex: meta.ignoreIndex,
    length: samples.length,
    get: async (i) => samples[i],
  };
}

/** The mean/std (0–1 scale, one value per model input channel) the config asks for. */
export async function resolveNormalization(
  cfg: ResolvedConfig,
  train: readonly RawSample[],
  meta: DatasetMeta,
  channels: number,
): Promise<{ mean: number[]; std: number[] }> {
  const n = cfg.input.normalize;
  const fit = (v: readonly number[], what: string): number[] => {
    if (v.length === channels) return [...v];
    if (v.length === 1) return new Array<number>(channels).fill(v[0]);
    if (v.length === 3 && channels === 1) return [v.reduce((a, b) => a + b, 0) / 3];
    throw new DataError(`input.normalize.${what} has ${v.length} values but the model takes ${channels} channels`);
  };
  switch (n.mode) {
    case 'none':
      return { mean: new Array(channels).fill(0), std: new Array(channels).fill(1) };
    case 'imagenet':
      return { mean: fit(IMAGENET.mean, 'mean'), std: fit(IMAGENET.std, 'std') };
    case 'given':
      return { mean: fit(n.mean ?? [], 'mean'), std: fit(n.std ?? [], 'std') };
    case 'dataset': {
      const stats = await computeMeanStd(memoryDataset(train, meta), 64);
      // Guard against a constant channel (std 0) so normalisation never divides by zero.
      return { mean: fit(stats.mean, 'mean'), std: fit(stats.std, 'std').map((s) => Math.max(s, 1e-3)) };
    }
  }
}
