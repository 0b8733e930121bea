/** Summaries of run folders for the dashboard's runs table (run.json + config.json + metrics.jsonl). No tfjs. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunSummary } from '../protocol';
import { listRuns } from '../cli/runs';
import { MetricsRow, readMetrics } from '../train/metricsLog';

export { readMetrics };

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** One run folder's summary; never throws for a damaged folder (the problem is reported in the summary). */
export function summariseRun(runDir: string): RunSummary {
  const info = readJson(path.join(runDir, 'run.json'));
  const config = readJson(path.join(runDir, 'config.json'));
  const { rows, problem } = readMetrics(path.join(runDir, 'metrics.jsonl'));
  let best: MetricsRow | null = null;
  for (const r of rows) if (best === null || r.mIoU > best.mIoU) best = r;
  const params = (info?.params ?? {}) as { trainable?: number; nonTrainable?: number };
  const model = (config?.model ?? {}) as { encoderName?: unknown };
  return {
    runDir,
    name: path.basename(runDir),
    arch: typeof info?.arch === 'string' ? info.arch : '?',
    encoderName: typeof model.encoderName === 'string' ? model.encoderName : null,
    params: (params.trainable ?? 0) + (params.nonTrainable ?? 0),
    backend: typeof info?.backend === 'string' ? info.backend : '?',
    createdAt: typeof info?.createdAt === 'string' ? info.createdAt : '',
    epochsDone: rows.length,
    bestMIoU: best ? best.mIoU : null,
    bestEpoch: best ? best.epoch : null,
    seconds: rows.reduce((s, r) => s + r.seconds, 0),
    classNames: Array.isArray(info?.classNames) ? (info.classNames as string[]) : [],
    curve: rows.map((r) => ({ epoch: r.epoch, trainLoss: r.trainLoss, mIoU: r.mIoU })),
    problem: info ? problem : `${path.join(runDir, 'run.json')} is unreadable`,
  };
}

/** Every run under `runsDir`, newest first; an absent folder gives an empty list. */
export function summariseRuns(runsDir: string): RunSummary[] {
  return listRuns(runsDir).map(summariseRun);
}
