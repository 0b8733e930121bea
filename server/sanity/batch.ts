/**
 * The fixed sanity batch: the first `batchSize` training samples of the configured dataset (or the synthetic one),
 * cropped to the sanity size with the run's seed and normalised as training would. Kept as plain arrays, cached
 * by everything it depends on, so a warm worker builds it once per config.
 */
import * as fs from 'node:fs';
import type { ResolvedConfig } from '../config/load';
import type { RawSample } from '../data/types';
import { mixSeed } from '../data/rng';
import { toFloat } from '../data/transforms';
import { convertChannels } from '../infer/pixels';
import { augmentSample, BatchContext } from '../train/batches';
import { openDatasets, resolveNormalization } from '../train/datasets';

export interface SanityBatch {
  /** [n, h, w, c] normalised images, row-major. */
  readonly x: Float32Array;
  /** [n, h, w] class ids (or the ignore index). */
  readonly y: Int32Array;
  readonly shape: readonly [number, number, number, number];
  readonly classes: number;
  readonly classNames: readonly string[];
  readonly ignoreIndex: number;
  /** Per-channel mean and std (0-1 scale) the images were normalised with, as a run folder's run.json keeps them. */
  readonly normalize: { readonly mean: number[]; readonly std: number[] };
  /** The crops as raw samples (0-255 image, mask), for the prediction shown in the dashboard. */
  readonly crops: readonly RawSample[];
  /** e.g. "2 x 64x64 from synthetic(cells, 96x64px, seed 1)". */
  readonly description: string;
}

function cacheKey(cfg: ResolvedConfig, size: readonly [number, number], batchSize: number): string {
  let stamp = 0;
  try {
    stamp = cfg.source ? fs.statSync(cfg.source).mtimeMs : 0;
  } catch {
    stamp = -1;
  }
  const parts = [cfg.data, cfg.input.normalize, cfg.input.resize, cfg.model.inChannels, cfg.train.seed, size, batchSize, cfg.source, stamp];
  return JSON.stringify(parts);
}

let cached: { key: string; batch: SanityBatch } | null = null;

/** The sanity batch for `cfg` at `size` (cached while nothing it depends on changes). */
export async function sanityBatch(cfg: ResolvedConfig, size: readonly [number, number], batchSize: number): Promise<SanityBatch> {
  const key = cacheKey(cfg, size, batchSize);
  if (cached?.key === key) return cached.batch;
  const batch = await loadBatch(cfg, size, batchSize);
  cached = { key, batch };
  return batch;
}

async function loadBatch(cfg: ResolvedConfig, size: readonly [number, number], batchSize: number): Promise<SanityBatch> {
  const { train, meta } = await openDatasets(cfg);
  const samples: RawSample[] = [];
  for (let i = 0; i < batchSize; i++) samples.push(await train.get(i % train.length));
  const inChannels = cfg.model.inChannels ?? (cfg.data.type === 'coco' ? 3 : samples[0].channels);
  const normalize = await resolveNormalization(cfg, samples, meta, inChannels);
  const [h, w] = size;
  const noAugment = { hflip: false, vflip: false, rot90: false };
  const ctx: BatchContext = {
    cfg: { ...cfg, train: { ...cfg.train, augment: noAugment } },
    inChannels,
    ignoreIndex: meta.ignoreIndex,
    inputSize: [h, w],
    outputSize: [h, w],
    normalize,
  };
  const x = new Float32Array(batchSize * h * w * inChannels);
  const y = new Int32Array(batchSize * h * w);
  const crops: RawSample[] = samples.map((s, i) => {
    const crop = augmentSample(ctx, s, mixSeed(cfg.train.seed, i));
    x.set(toFloat(convertChannels(crop.image, h * w, crop.channels, inChannels), normalize), i * h * w * inChannels);
    y.set(crop.mask, i * h * w);
    return { id: s.id, height: h, width: w, channels: crop.channels, image: crop.image, mask: crop.mask };
  });
  return {
    x,
    y,
    shape: [batchSize, h, w, inChannels],
    classes: meta.classes,
    classNames: meta.classNames,
    ignoreIndex: meta.ignoreIndex,
    normalize,
    crops,
    description: `${batchSize} x ${h}x${w} from ${train.description}`,
  };
}
