/**
 * A run folder's checkpoint as the preview sees it, read without tfjs (the server process uses this): run.json,
 * the checkpoint folder (falling back to `<name>.old` while a swap is in progress, as train/checkpoint.ts does),
 * and stamps (size + mtime) that change whenever a file is rewritten, for cache keys and model reloads. Also the
 * latest sanity models (server/sanity/saveModel.ts): run folders under `<runsDir>/.sanity/`, one per module.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunInfo } from '../train/prepare';
import { UserFacingError } from '../train/errors';

export type CheckpointName = 'best' | 'last';

export interface RunCheckpoint {
  readonly runDir: string;
  readonly checkpoint: CheckpointName;
  /** The folder holding model.json and weights.bin. */
  readonly dir: string;
  /** Changes whenever the checkpoint is rewritten. */
  readonly stamp: string;
}

/** `size:mtime` of a file, or `missing`. */
export function fileStamp(file: string): string {
  try {
    const s = fs.statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** Reads run.json; a folder without one is not a run. */
export function readRunInfo(runDir: string): RunInfo {
  const file = path.join(runDir, 'run.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserFacingError(`${runDir} is not a SegLab run folder (no run.json): pick a run folder under your runs directory`);
  }
  try {
    return JSON.parse(text) as RunInfo;
  } catch (err) {
    throw new UserFacingError(`${file} is not valid JSON (${(err as Error).message}): the run folder is damaged; pick another run`);
  }
}

/** The checkpoint folder of `which`, or null when the run has none yet. */
export function checkpointFolder(runDir: string, which: CheckpointName): string | null {
  const dir = path.join(runDir, which);
  for (const d of [dir, `${dir}.old`]) {
    if (fs.existsSync(path.join(d, 'state.json')) && fs.existsSync(path.join(d, 'model.json'))) return d;
  }
  return null;
}

/** Resolves a run's checkpoint; throws a {@link UserFacingError} saying what to pick instead when it is missing. */
export function resolveCheckpoint(runDir: string, which: CheckpointName): RunCheckpoint {
  if (which !== 'best' && which !== 'last') throw new UserFacingError(`checkpoint ${JSON.stringify(which)} is not 'best' or 'last'`);
  readRunInfo(runDir);
  const dir = checkpointFolder(runDir, which);
  if (!dir) {
    const other = which === 'best' ? 'last' : 'best';
    throw new UserFacingError(
      `${runDir}: no '${which}' checkpoint yet (it is written at the end of the first epoch): pick '${other}' or wait for the first epoch`,
    );
  }
  return { runDir, checkpoint: which, dir, stamp: checkpointStamp(dir) };
}

/** Stamp of a checkpoint folder: its model.json and weights files. */
export function checkpointStamp(dir: string): string {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 'unreadable'; // moved away by a checkpoint swap: the next request sees the new folder
  }
  const files = ['model.json', ...names.filter((f) => f.endsWith('.bin') && !f.startsWith('optimizer')).sort()];
  return files.map((f) => `${f}=${fileStamp(path.join(dir, f))}`).join(';');
}

/** Where sanity runs keep their latest model; no run.json at its top, so run listings (cli/runs.ts) skip it. */
export const SANITY_FOLDER = '.sanity';

/** What `sanity.json` in a sanity model folder says (the model picker's label). */
export interface SanityModelInfo {
  /** Absolute path of the model module. */
  readonly module: string;
  readonly status: string;
  /** Loss of each optimisation step of the sanity run (before its update). */
  readonly losses: readonly number[];
  /** The sanity batch's [height, width]. */
  readonly size: readonly [number, number];
  /** ISO time of the save. */
  readonly savedAt: string;
}

/** A sanity model folder and its `sanity.json`. */
export interface SanityModelEntry extends SanityModelInfo {
  readonly dir: string;
}

/**
 * The run folder of `modulePath`'s latest sanity model: `<runsDir>/.sanity/<module file name>-<8 hex of its path>`
 * (two `net.ts` in different folders get two folders).
 */
export function sanityModelDir(runsDir: string, modulePath: string): string {
  const hash = createHash('sha1').update(path.resolve(modulePath)).digest('hex').slice(0, 8);
  return path.join(runsDir, SANITY_FOLDER, `${path.basename(modulePath)}-${hash}`);
}

/** Reads `sanity.json`; null when the folder is not a sanity model folder (or the file is damaged). */
export function readSanityInfo(dir: string): SanityModelInfo | null {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(dir, 'sanity.json'), 'utf8')) as Partial<SanityModelInfo>;
    const ok = typeof v.module === 'string' && Array.isArray(v.losses) && Array.isArray(v.size) && typeof v.savedAt === 'string';
    return ok ? (v as SanityModelInfo) : null;
  } catch {
    return null;
  }
}

/**
 * The sanity models under `runsDir` (or under each of several runs folders, a folder named twice counted once) that
 * have a run.json, newest save first; none when there is no `.sanity`.
 */
export function listSanityModels(runsDir: string | readonly string[]): SanityModelEntry[] {
  const roots = new Set((typeof runsDir === 'string' ? [runsDir] : runsDir).map((d) => path.join(path.resolve(d), SANITY_FOLDER)));
  const out: SanityModelEntry[] = [];
  for (const root of roots) {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(root, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const d of names) {
      const dir = path.join(root, d.name);
      const info = d.isDirectory() && fs.existsSync(path.join(dir, 'run.json')) ? readSanityInfo(dir) : null;
      if (info) out.push({ ...info, dir });
    }
  }
  return out.sort((a, b) => b.savedAt.localeCompare(a.savedAt) || a.dir.localeCompare(b.dir));
}

/**
 * The user-facing message for a checkpoint that tfjs could not load. A layer class tfjs does not know (a custom
 * layer of the user's module: the predictor loads models without running the module) is said plainly; anything
 * else is most likely a checkpoint caught mid-write.
 */
export function loadFailureMessage(runDir: string, checkpoint: CheckpointName, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /Unknown layer: ([^\s.]+)/.exec(message);
  if (!unknown) return `cannot load the '${checkpoint}' checkpoint of ${runDir} (${message.split('\n')[0]}): it may be mid-write; try again`;
  const sanity = readSanityInfo(runDir);
  const what = sanity ? `the sanity model of ${path.basename(sanity.module)} (${runDir})` : `the '${checkpoint}' checkpoint of ${runDir}`;
  return (
    `${what} uses the layer class '${unknown[1]}', which previews cannot rebuild: they load a saved model without running ` +
    "your module, so they know only TensorFlow.js' and SegLab's layers (ctx.layers, ctx.blocks); build the model from those to preview it"
  );
}
