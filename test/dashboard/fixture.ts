/** The recorded dashboard fixture (see record.ts) and the page's pure-logic module, for the dashboard tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EpochEndEvent, EvalResult, RunSummary, SampleMask, ToDashboard, TrainEvent } from '../../server/protocol';
import type { SeglabConfigInput } from '../../server/config/schema';

/** What `events.json` holds. */
export interface DashboardFixture {
  readonly note: string;
  readonly config: SeglabConfigInput;
  readonly events: readonly TrainEvent[];
  readonly runs: Extract<ToDashboard, { type: 'runs' }>;
}

/** The repository root (this file runs from out/test/dashboard/). */
export const ROOT = path.join(__dirname, '..', '..', '..');
export const FIXTURE_PATH = path.join(ROOT, 'test', 'dashboard', 'events.json');
export const MEDIA_DIR = path.join(ROOT, 'media');

export function loadFixture(): DashboardFixture {
  return JSON.parse(fs.readFileSync(FIXTURE_PATH, 'utf8')) as DashboardFixture;
}

export function epochEnds(events: readonly TrainEvent[]): EpochEndEvent[] {
  return events.filter((e): e is EpochEndEvent => e.type === 'epochEnd');
}

/** The page state (media/dashboardLogic.js DashState), as far as the tests read it. */
export interface DashState {
  version: number;
  jobId: string | null;
  phase: string;
  backend: string | null;
  runDir: string | null;
  message: string | null;
  messageKind: 'info' | 'error' | null;
  steps: { x: number[]; y: number[] };
  epoch: number | null;
  epochs: number | null;
  epochPoints: { epoch: number; trainLoss: number; mIoU: number }[];
  evalResult: EvalResult | null;
  samples: SampleMask[];
  samplesEpoch: number | null;
  logs: string[];
  runs: RunSummary[];
  selectedRuns: string[];
  opacity: number;
  hiddenClasses: number[];
}

/** The exports of media/dashboardLogic.js (an ES module of the webview, checked by `npx tsc -p media`). */
export interface DashboardLogic {
  STATE_VERSION: number;
  MAX_PLOTTED_STEPS: number;
  MAX_STORED_STEPS: number;
  isToDashboard(v: unknown): boolean;
  emptyState(): DashState;
  restoreState(saved: unknown): DashState;
  decimate(xs: readonly number[], ys: readonly number[], max: number): { x: number[]; y: number[] };
  perClassRows(
    names: readonly string[],
    iou: readonly (number | null)[],
    dice: readonly (number | null)[],
  ): { index: number; name: string; iou: number | null; dice: number | null }[];
  rowNormalise(m: readonly (readonly number[])[]): { share: (number[] | null)[]; rowSums: number[] };
  blendOverlay(
    rgba: ArrayLike<number>,
    mask: ArrayLike<number>,
    palette: readonly (readonly number[])[],
    opacity: number,
    ignoreIndex: number,
    hidden: ReadonlySet<number>,
  ): Uint8ClampedArray;
  decodeBase64(b64: string): Uint8Array;
  formatMIoU(v: number | null | undefined): string;
  formatDuration(s: number | null | undefined): string;
  compareSeries(runs: readonly RunSummary[]): { x: number[]; series: (number | null)[][] };
  toggleRun(selected: readonly string[], runDir: string, on: boolean): string[];
  applyEvent(s: DashState, e: TrainEvent): DashState;
  reduceMessage(s: DashState, msg: unknown): DashState;
}

export async function loadLogic(): Promise<DashboardLogic> {
  return (await import(pathToFileURL(path.join(MEDIA_DIR, 'dashboardLogic.js')).href)) as DashboardLogic;
}
