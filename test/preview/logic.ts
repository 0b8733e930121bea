/** Types of media/previewLogic.js (an ES module of the webview, checked by `npx tsc -p media`) for Node tests. */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PreviewResult } from '../../server/protocol';
import type { DashboardLogic } from '../dashboard/fixture';

export type ViewMode = 'blend' | 'side' | 'diff';
export interface PreviewView {
  version: number;
  mode: ViewMode;
  opacity: number;
  hiddenClasses: number[];
}
export interface Layout {
  panels: { x: number; kind: 'image' | 'pred' | 'gt' | 'diff' }[];
  width: number;
}

/** blendOverlay is re-exported from dashboardLogic.js, so its type comes from there. */
export interface PreviewLogic extends Pick<DashboardLogic, 'blendOverlay'> {
  VIEW_VERSION: number;
  PANEL_GAP: number;
  DIFF_COLORS: Record<'falsePositive' | 'falseNegative' | 'wrongClass', [number, number, number]>;
  isToPreview(v: unknown): boolean;
  defaultView(): PreviewView;
  restoreView(saved: unknown): PreviewView;
  layout(mode: ViewMode, width: number, hasGt: boolean): Layout;
  diffOverlay(
    rgba: ArrayLike<number>,
    pred: ArrayLike<number>,
    gt: ArrayLike<number>,
    ignoreIndex: number,
    hidden: ReadonlySet<number>,
    opacity: number,
  ): { pixels: Uint8ClampedArray; counts: { falsePositive: number; falseNegative: number; wrongClass: number } };
  pixelAt(cx: number, cy: number, lay: Layout, width: number, height: number): { x: number; y: number; panel: string } | null;
  hoverText(at: { x: number; y: number }, r: PreviewResult, pred: Uint8Array, confidence: Uint8Array, gt: Uint8Array | null): string;
  iouRows(r: PreviewResult): { index: number; name: string; iou: number | null; share: number }[];
  meanIoU(iou: readonly (number | null)[]): number | null;
  statusLine(r: PreviewResult): string;
  toggleClass(hidden: readonly number[], c: number, visible: boolean): number[];
}

/** The repository's media/ folder (this file runs from out/test/preview/). */
export const MEDIA_DIR = path.join(__dirname, '..', '..', '..', 'media');

export async function loadPreviewLogic(): Promise<PreviewLogic> {
  return (await import(pathToFileURL(path.join(MEDIA_DIR, 'previewLogic.js')).href)) as PreviewLogic;
}
