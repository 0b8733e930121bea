/** Plain-text formatting for the CLI: durations, the per-class table, the progress bar. No tfjs import. */
import type { EvalResult } from '../protocol';

/** `75` → `1:15`, `3725` → `1:02:05`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** A number to 4 decimals, or `absent` for a class missing from ground truth and prediction. */
export function formatMetric(v: number | null): string {
  return v === null || Number.isNaN(v) ? 'absent' : v.toFixed(4);
}

/** The per-class table: class, IoU, Dice, ground-truth pixels, with the dataset-wide summary under it. */
export function perClassTable(r: EvalResult): string {
  const names = r.classNames.map((n, i) => `${i} ${n}`);
  const w = Math.max(5, ...names.map((n) => n.length));
  const gtPixels = r.confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const lines = [`${'class'.padEnd(w)}  ${'IoU'.padStart(7)}  ${'Dice'.padStart(7)}  ${'gt pixels'.padStart(11)}`];
  for (let c = 0; c < names.length; c++) {
    lines.push(
      `${names[c].padEnd(w)}  ${formatMetric(r.perClassIoU[c]).padStart(7)}  ${formatMetric(r.perClassDice[c]).padStart(7)}  ${String(gtPixels[c]).padStart(11)}`,
    );
  }
  lines.push(`${'mIoU'.padEnd(w)}  ${r.mIoU.toFixed(4).padStart(7)}   (dataset-wide over ${r.images} images)`);
  lines.push(`${'per-batch mean'.padEnd(w)}  ${r.batchMeanIoU.toFixed(4).padStart(7)}   (mean of per-batch mIoU; not the score)`);
  lines.push(`pixel accuracy ${r.pixelAccuracy.toFixed(4)}, mean class accuracy ${r.meanClassAccuracy.toFixed(4)}`);
  lines.push(r.explanation);
  return lines.join('\n');
}

/** `[#########.........] 45%` style bar of `width` cells. */
export function progressBar(done: number, total: number, width = 24): string {
  const f = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.round(f * 100)).padStart(3)}%`;
}
