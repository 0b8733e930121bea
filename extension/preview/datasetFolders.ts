/** Pure helpers: the image folders a config's dataset reads, and whether a file lies in one (no 'vscode'). */
import * as path from 'node:path';
import type { ResolvedConfig } from '../../server/config/load';

/** Absolute image folders of a validated config's `data` (none for synthetic data). */
export function datasetImageFolders(data: ResolvedConfig['data']): string[] {
  if (data.type === 'maskFolder') return [data.train.images, ...(data.val ? [data.val.images] : [])].map((p) => path.resolve(p));
  if (data.type === 'coco') return [data.train.images, data.val.images].map((p) => path.resolve(p));
  return [];
}

/** Whether `file` is inside one of `folders` (at any depth). */
export function isInFolders(file: string, folders: readonly string[]): boolean {
  const f = path.resolve(file);
  return folders.some((d) => {
    const rel = path.relative(d, f);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  });
}
