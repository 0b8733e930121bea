/** Pure helpers of "SegLab: Predict Folder…" (no 'vscode' import, tested in Node). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isImagePath } from './hoverText';

/** The images directly in `folder` (not in sub-folders, no hidden files), sorted by name. */
export function folderImages(folder: string): string[] {
  return fs
    .readdirSync(folder, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.') && isImagePath(e.name))
    .map((e) => path.join(folder, e.name))
    .sort((a, b) => a.localeCompare(b));
}

/** Where a folder's predictions go: `<runDir>/predictions/<folder name>-<checkpoint>`. */
export function folderOutDir(runDir: string, folder: string, checkpoint: 'best' | 'last'): string {
  return path.join(runDir, 'predictions', `${path.basename(path.resolve(folder))}-${checkpoint}`);
}

/** How many of `inputs` have their mask in `outDir` already (the predict job writes `<stem>_mask.png`, atomically). */
export function countWritten(outDir: string, inputs: readonly string[]): number {
  let names: Set<string>;
  try {
    names = new Set(fs.readdirSync(outDir));
  } catch {
    return 0;
  }
  const stems = new Set(inputs.map((f) => path.basename(f).replace(/\.[^.]+$/, '')));
  let n = 0;
  for (const s of stems) if (names.has(`${s}_mask.png`)) n++;
  return n;
}
