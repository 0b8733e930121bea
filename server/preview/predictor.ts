/**
 * One run's model, loaded once and reloaded only when its checkpoint files change, predicting previews: the image
 * at full resolution (whole image, or sliding windows of at least 512 px for large ones), class ids and max-softmax confidence, the
 * ground truth and per-class IoU when the run's dataset has it, then everything downscaled for display. Runs in
 * the predictor process (worker.ts); tests use it in-process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { PreviewMode } from '../protocol';
import type { ResolvedConfig } from '../config/load';
import { readImage } from '../data/image';
import type { RawSample } from '../data/types';
import { classColor } from '../export/overlay';
import { InferenceModel } from '../infer/fused';
import { predictSample } from '../infer/segment';
import { loadModel } from '../train/checkpoint';
import { pruneForInference } from '../train/inference';
import type { RunInfo } from '../train/prepare';
import { UserFacingError } from '../train/errors';
import { BandedPredictor } from './bandedPredictor';
import type { CachedPreview } from './cache';
import { GroundTruthFinder } from './groundTruth';
import { classAndConfidence, classShares, perImageIoU } from './iou';
import { chooseMode, slideWindow } from './mode';
import { encodeArrays } from './render';
import { CheckpointName, loadFailureMessage, readRunInfo, resolveCheckpoint } from './runModel';

/** Larger images are refused (their logits alone would take gigabytes): `seglab predict` tiles them on disk. */
export const MAX_PREVIEW_PIXELS = 40_000_000;

export interface PredictRequest {
  readonly imagePath: string;
  readonly mode?: PreviewMode;
  readonly maxSide: number;
}

function readRunConfig(runDir: string): ResolvedConfig | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8')) as ResolvedConfig;
  } catch {
    return null; // an old or damaged run: no ground truth, no pruning
  }
}

/** Checks that previews can feed the model: images are read as gray (1) or RGB (3). */
export function checkModelChannels(model: tf.LayersModel, info: RunInfo, runDir: string): void {
  const shape = model.inputs[0]?.shape ?? [];
  const c = shape[shape.length - 1];
  const want = info.evalPrep.channels;
  if (c !== want) {
    throw new UserFacingError(`${runDir}: the model takes ${c} input channel(s) but run.json says ${want}: the run folder is inconsistent; retrain or pick another run`);
  }
  if (want !== 1 && want !== 3) {
    throw new UserFacingError(
      `${runDir}: the model takes ${want} input channels; previews read images as gray (1 channel) or RGB (3): ` +
        'pick a run trained with `model.inChannels` 1 or 3',
    );
  }
}

export class Predictor {
  private model: tf.LayersModel | null = null;
  /** The model's inference pass with Conv→BN→ReLU folded (rebuilt with each checkpoint). */
  private fused: InferenceModel | null = null;
  /** `fused`, with large inputs split in two bands over two threads (its thread starts with the first one). */
  private banded: BandedPredictor | null = null;
  private loadedStamp = '';
  private info: RunInfo;
  private cfg: ResolvedConfig | null = null;
  private gt: GroundTruthFinder | null = null;

  constructor(
    readonly runDir: string,
    readonly checkpoint: CheckpointName,
    readonly backend: string,
  ) {
    this.info = this.readRun();
  }

  /** run.json and config.json; read again with each new checkpoint (a sanity model folder rewrites them). */
  private readRun(): RunInfo {
    this.info = readRunInfo(this.runDir);
    this.cfg = readRunConfig(this.runDir);
    this.gt = this.cfg ? new GroundTruthFinder(this.cfg.data, this.runDir) : null;
    return this.info;
  }

  /** The model of the current checkpoint files (loaded again when they changed). */
  private async currentModel(): Promise<BandedPredictor> {
    const ck = resolveCheckpoint(this.runDir, this.checkpoint);
    if (this.banded && ck.stamp === this.loadedStamp) return this.banded;
    this.dispose();
    this.readRun();
    let model: tf.LayersModel;
    try {
      model = await loadModel(ck.dir);
    } catch (err) {
      throw new UserFacingError(loadFailureMessage(this.runDir, this.checkpoint, err));
    }
    if (this.cfg) model = pruneForInference(model, this.cfg, this.info, this.cfg.model.pruneLevel);
    try {
      checkModelChannels(model, this.info, this.runDir);
    } catch (err) {
      model.dispose();
      throw err;
    }
    this.model = model;
    this.fused = new InferenceModel(model);
    this.banded = new BandedPredictor(this.fused, model, { backend: this.backend, log: (m) => console.error(m) });
    this.loadedStamp = ck.stamp;
    return this.banded;
  }

  /** Predicts one image; bad input throws a {@link UserFacingError} / DataError naming the file. */
  async predict(req: PredictRequest): Promise<CachedPreview> {
    const model = await this.currentModel();
    const img = await readImage(req.imagePath);
    if (img.width * img.height > MAX_PREVIEW_PIXELS) {
      throw new UserFacingError(`${req.imagePath} is ${img.width}x${img.height} (over ${MAX_PREVIEW_PIXELS / 1e6} megapixels), too large for a preview: crop it, or predict it with \`seglab predict\``);
    }
    const spec = this.info.evalPrep;
    const mode = chooseMode(img.height, img.width, spec, req.mode);
    const sample: RawSample = { id: path.basename(req.imagePath), imagePath: req.imagePath, height: img.height, width: img.width, channels: img.channels, image: img.data, mask: new Uint8Array(0) };
    let out;
    try {
      out = await predictSample(model, sample, spec, mode === 'slide' ? { mode, crop: slideWindow(img.height, img.width, spec.size), batchSize: 1 } : { mode, batchSize: 2 });
    } catch (err) {
      throw new UserFacingError(`${req.imagePath}: the model could not predict this image (${(err as Error).message.split('\n')[0]}); try the other mode`);
    }
    const { pred, confidence } = classAndConfidence(out.data, out.classes, out.kind);
    const lookup = this.gt ? await this.gt.find(req.imagePath) : { gt: null, problem: null };
    let gt = lookup.gt;
    let gtProblem = lookup.problem;
    if (gt && (gt.width !== img.width || gt.height !== img.height)) {
      gtProblem = `no ground truth: ${gt.source} is ${gt.width}x${gt.height} but the image is ${img.width}x${img.height}`;
      gt = null;
    }
    const { classes, classNames, ignoreIndex } = this.info;
    const arrays = await encodeArrays(img, pred, confidence, gt?.mask ?? null, req.maxSide);
    return {
      imagePath: req.imagePath,
      runDir: this.runDir,
      checkpoint: this.checkpoint,
      ...arrays,
      sourceWidth: img.width,
      sourceHeight: img.height,
      classNames,
      palette: classNames.map((_, c) => classColor(c)),
      ignoreIndex,
      gtSource: gt?.source ?? null,
      gtProblem,
      perClassIoU: gt ? perImageIoU(pred, gt.mask, classes, ignoreIndex) : null,
      classShares: classShares(pred, classes),
      mode,
      backend: this.fused != null && this.fused.winogradConvs > 0 ? `${this.backend} + SegLab kernels` : this.backend,
    };
  }

  /** Frees the loaded model (and its band thread); the next prediction loads the checkpoint again. */
  dispose(): void {
    this.banded?.dispose();
    this.banded = null;
    this.fused?.dispose();
    this.fused = null;
    this.model?.dispose();
    this.model = null;
  }
}
