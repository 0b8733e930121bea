/**
 * The preview disk cache: one JSON file per (checkpoint files, image file, settings) under
 * `<runDir>/.preview-cache/`, so reopening an image is instant and a new checkpoint (new size/mtime of its files)
 * misses by construction. A hit is also dropped when its ground-truth file changed since. The newest
 * `maxEntries` results are kept (with their thumbnails); files are written atomically (temporary file + rename).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PreviewResult } from '../protocol';
import { fileStamp } from './runModel';

export const PREVIEW_CACHE_DIR = '.preview-cache';

/** Bump when the stored result's meaning changes: older entries then miss. */
const CACHE_VERSION = 1;

/** Everything a preview depends on. */
export interface PreviewKeyParts {
  readonly imagePath: string;
  readonly imageStamp: string;
  readonly runDir: string;
  readonly checkpoint: string;
  readonly checkpointStamp: string;
  /** Stamp of the run's config.json (where the ground truth is looked up). */
  readonly configStamp: string;
  /** Requested mode, 'auto' when none. */
  readonly mode: string;
  readonly maxSide: number;
}

/** A result as stored: without the per-request fields. */
export type CachedPreview = Omit<PreviewResult, 'seconds' | 'cached' | 'thumbnailPath'>;

interface Entry {
  readonly version: number;
  readonly key: string;
  /** Stamp of `result.gtSource` when the result was made. */
  readonly gtStamp: string | null;
  readonly result: CachedPreview;
}

/** The cache key: a hash of every part (hex, 40 characters). */
export function previewKey(p: PreviewKeyParts): string {
  const parts = [CACHE_VERSION, p.imagePath, p.imageStamp, p.runDir, p.checkpoint, p.checkpointStamp, p.configStamp, p.mode, p.maxSide];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40);
}

export class PreviewCache {
  constructor(private readonly maxEntries = 200) {}

  /** The cache folder of a run. */
  static dirOf(runDir: string): string {
    return path.join(runDir, PREVIEW_CACHE_DIR);
  }

  private fileOf(runDir: string, key: string): string {
    return path.join(PreviewCache.dirOf(runDir), `${key}.json`);
  }

  /** Where the overlay thumbnail of `key` at `side` pixels lives. */
  thumbnailFile(runDir: string, key: string, side: number): string {
    return path.join(PreviewCache.dirOf(runDir), `${key}-t${side}.png`);
  }

  /** The stored result, or null (absent, unreadable, another version, or its ground truth changed). */
  get(runDir: string, key: string): CachedPreview | null {
    const file = this.fileOf(runDir, key);
    let entry: Entry;
    try {
      entry = JSON.parse(fs.readFileSync(file, 'utf8')) as Entry;
    } catch {
      return null;
    }
    const gtSource = entry.result?.gtSource ?? null;
    const stale = entry.version !== CACHE_VERSION || entry.key !== key || (gtSource !== null && fileStamp(gtSource) !== entry.gtStamp);
    if (stale) {
      fs.rmSync(file, { force: true });
      return null;
    }
    const now = new Date();
    fs.utimesSync(file, now, now); // recently used: pruned last
    return entry.result;
  }

  /** Stores a result, then drops the oldest entries beyond `maxEntries`. */
  put(runDir: string, key: string, result: CachedPreview): void {
    const dir = PreviewCache.dirOf(runDir);
    fs.mkdirSync(dir, { recursive: true });
    const entry: Entry = { version: CACHE_VERSION, key, gtStamp: result.gtSource === null ? null : fileStamp(result.gtSource), result };
    const file = this.fileOf(runDir, key);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(entry));
    fs.renameSync(tmp, file);
    this.prune(dir);
  }

  /** Keys stored for a run, newest first. */
  keys(runDir: string): string[] {
    return this.entries(PreviewCache.dirOf(runDir)).map((e) => e.key);
  }

  private entries(dir: string): { key: string; mtimeMs: number }[] {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return [];
    }
    const out: { key: string; mtimeMs: number }[] = [];
    for (const n of names) {
      if (!/^[0-9a-f]{40}\.json$/.test(n)) continue;
      try {
        out.push({ key: n.slice(0, 40), mtimeMs: fs.statSync(path.join(dir, n)).mtimeMs });
      } catch {
        // removed meanwhile by another pruner
      }
    }
    return out.sort((a, b) => b.mtimeMs - a.mtimeMs);
  }

  private prune(dir: string): void {
    const old = this.entries(dir).slice(this.maxEntries);
    if (!old.length) return;
    const drop = new Set(old.map((e) => e.key));
    for (const n of fs.readdirSync(dir)) {
      if (drop.has(n.slice(0, 40))) fs.rmSync(path.join(dir, n), { force: true });
    }
  }
}
