/**
 * A run folder's checkpoint as the preview sees it, read without tfjs (the server process uses this): run.json,
 * the checkpoint folder (falling back to `<name>.old` while a swap is in progress, as train/checkpoint.ts does),
 * and stamps (size + mtime) that change whenever a file is rewritten, for cache keys and model reloads.
 */
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
