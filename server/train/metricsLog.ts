/** `metrics.jsonl` of a run folder: one JSON row per finished epoch, appended by the trainer. No tfjs. */
import * as fs from 'node:fs';

/** The fields every metrics row has (the trainer writes more: lr, per-class IoU, accuracies, ...). */
export interface MetricsRow {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly mIoU: number;
  readonly seconds: number;
}

function isMetricsRow(v: unknown): v is MetricsRow {
  const r = v as Partial<MetricsRow> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.epoch === 'number' &&
    typeof r.trainLoss === 'number' &&
    typeof r.mIoU === 'number' &&
    typeof r.seconds === 'number'
  );
}

/** Appends one row. */
export function appendMetrics(file: string, row: MetricsRow & Record<string, unknown>): void {
  fs.appendFileSync(file, JSON.stringify(row) + '\n');
}

/**
 * Reads metrics.jsonl; a resumed run may repeat an epoch (the later line wins). Bad lines are skipped and named in
 * `problem` so one corrupt line never hides the rest of the run. A missing file has no rows.
 */
export function readMetrics(file: string): { rows: MetricsRow[]; problem: string | null } {
  if (!fs.existsSync(file)) return { rows: [], problem: null };
  const byEpoch = new Map<number, MetricsRow>();
  const bad: number[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        row = null;
      }
      if (isMetricsRow(row)) byEpoch.set(row.epoch, row);
      else bad.push(i + 1);
    });
  const rows = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  const problem = bad.length ? `${file}: line(s) ${bad.slice(0, 5).join(', ')} are not metrics rows; they were skipped` : null;
  return { rows, problem };
}
