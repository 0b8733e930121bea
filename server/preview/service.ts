/**
 * `seglab/preview` in the server process: checks the request, answers from the disk cache when the checkpoint,
 * the image and the settings are unchanged, else asks the warm predictor of (run, checkpoint) and stores the
 * result; the same request twice at once is predicted once. No tfjs here (the predictors load it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PREVIEW_MAX_SIDE, PreviewParams, PreviewResult } from '../protocol';
import { UserFacingError } from '../train/errors';
import { CachedPreview, PreviewCache, previewKey } from './cache';
import { PredictorPool, PredictorPoolOptions } from './pool';
import { fileStamp, resolveCheckpoint } from './runModel';
import { writeThumbnail } from './thumbnail';

export interface PreviewServiceOptions extends PredictorPoolOptions {
  readonly pool?: PredictorPool;
  readonly cache?: PreviewCache;
}

function isInt(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

/** Validates a request (it comes from another process); problems name the field and say what is allowed. */
export function checkPreviewParams(p: PreviewParams): Required<Pick<PreviewParams, 'imagePath' | 'runDir' | 'checkpoint' | 'maxSide'>> & PreviewParams {
  const fail = (field: string, v: unknown, want: string) => new UserFacingError(`preview: \`${field}\` ${JSON.stringify(v)} ${want}`);
  if (typeof p?.imagePath !== 'string' || !path.isAbsolute(p.imagePath)) throw fail('imagePath', p?.imagePath, 'must be an absolute file path');
  if (typeof p.runDir !== 'string' || !path.isAbsolute(p.runDir)) throw fail('runDir', p.runDir, 'must be the absolute path of a run folder');
  if (p.checkpoint !== 'best' && p.checkpoint !== 'last') throw fail('checkpoint', p.checkpoint, "must be 'best' or 'last'");
  if (p.mode !== undefined && p.mode !== 'whole' && p.mode !== 'slide') throw fail('mode', p.mode, "must be 'whole' or 'slide' (or left out: automatic)");
  const maxSide = p.maxSide ?? PREVIEW_MAX_SIDE;
  if (!isInt(maxSide, 16, 8192)) throw fail('maxSide', p.maxSide, 'must be a whole number from 16 to 8192');
  if (p.thumbnailSide !== undefined && !isInt(p.thumbnailSide, 16, 1024)) throw fail('thumbnailSide', p.thumbnailSide, 'must be a whole number from 16 to 1024');
  if (p.backend !== undefined && (typeof p.backend !== 'string' || !/^[a-z-]+$/.test(p.backend))) throw fail('backend', p.backend, "must be a backend name such as 'wasm' or 'auto'");
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p.imagePath);
  } catch {
    throw new UserFacingError(`image file ${p.imagePath} does not exist: check the path (it may have been moved or deleted)`);
  }
  if (!stat.isFile()) throw new UserFacingError(`${p.imagePath} is a folder, not an image file: open an image (.png, .jpg, .bmp, .tif)`);
  return { ...p, maxSide };
}

export class PreviewService {
  private readonly pool: PredictorPool;
  private readonly cache: PreviewCache;
  private readonly inFlight = new Map<string, Promise<CachedPreview>>();

  constructor(private readonly opts: PreviewServiceOptions = {}) {
    this.pool = opts.pool ?? new PredictorPool(opts);
    this.cache = opts.cache ?? new PreviewCache();
  }

  /** Pids of the live predictor processes (tests). */
  get predictorPids(): Map<string, number | undefined> {
    return this.pool.pids;
  }

  /** Answers one preview request (see PreviewRequest in server/protocol.ts). */
  async preview(params: PreviewParams): Promise<PreviewResult> {
    const t0 = performance.now();
    const p = checkPreviewParams(params);
    const imagePath = path.resolve(p.imagePath);
    const runDir = path.resolve(p.runDir);
    const ck = resolveCheckpoint(runDir, p.checkpoint);
    const key = previewKey({
      imagePath, imageStamp: fileStamp(imagePath), runDir, checkpoint: p.checkpoint, checkpointStamp: ck.stamp,
      configStamp: fileStamp(path.join(runDir, 'config.json')), mode: p.mode ?? 'auto', maxSide: p.maxSide,
    });
    const useCache = p.cache !== false;
    let result = useCache ? this.cache.get(runDir, key) : null;
    const cached = result !== null;
    if (!result) {
      result = await this.predictOnce(key, () => this.pool.predict(runDir, p.checkpoint, { imagePath, mode: p.mode, maxSide: p.maxSide }, p.backend));
      if (useCache) this.store(runDir, key, result);
    }
    const thumbnailPath = p.thumbnailSide ? await this.thumbnail(result, runDir, key, p.thumbnailSide) : null;
    return { ...result, seconds: (performance.now() - t0) / 1000, cached, thumbnailPath };
  }

  private predictOnce(key: string, f: () => Promise<CachedPreview>): Promise<CachedPreview> {
    let p = this.inFlight.get(key);
    if (!p) {
      p = f().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  private store(runDir: string, key: string, result: CachedPreview): void {
    try {
      this.cache.put(runDir, key, result);
    } catch (err) {
      // A read-only run folder only costs speed: the preview itself is fine.
      this.opts.log?.(`preview cache: cannot write under ${PreviewCache.dirOf(runDir)} (${(err as Error).message})`);
    }
  }

  private async thumbnail(result: CachedPreview, runDir: string, key: string, side: number): Promise<string> {
    const file = this.cache.thumbnailFile(runDir, key, side);
    if (fs.existsSync(file)) return file;
    return writeThumbnail(result, file, side);
  }

  dispose(): void {
    this.pool.dispose();
  }
}
