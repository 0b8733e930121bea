/** Per-epoch sample PNGs: one row per sample validation image, image | ground truth | prediction. */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { writePng } from '../data/image';
import { composeGrid, overlayMask, toRgb } from '../export/overlay';
import type { RawSample } from '../data/types';

/** Mask overlay opacity in sample PNGs. */
const ALPHA = 0.55;

/**
 * Writes `samples/epoch-NNN.png` in `run.runDir` for the samples in `predictions` (index → class map) and returns
 * its path, or null when there is nothing to draw.
 */
export async function writeSamplesPng(
  run: { runDir: string; val: readonly RawSample[]; ignoreIndex: number },
  epoch: number,
  predictions: ReadonlyMap<number, Uint8Array>,
): Promise<string | null> {
  if (predictions.size === 0) return null;
  const rows = [...predictions.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([i, pred]) => {
      const s = run.val[i];
      const img = toRgb(s.image, s.width, s.height, s.channels);
      return [img, overlayMask(img, s.mask, ALPHA, run.ignoreIndex), overlayMask(img, pred, ALPHA, run.ignoreIndex)];
    });
  const grid = composeGrid(rows);
  const dir = path.join(run.runDir, 'samples');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `epoch-${String(epoch).padStart(3, '0')}.png`);
  await writePng(file, grid.data, grid.width, grid.height, 3);
  return file;
}
