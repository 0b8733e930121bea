/**
 * Writes predictions in the formats the CLI asks for: per image an index PNG (`<id>_mask.png`) and a colour
 * overlay with a legend (`<id>_overlay.png`); at the end one COCO results file (`predictions.coco.json`), one
 * submission CSV (`submission.csv`) and the legend sidecar (`legend.json`: class id, name, colour).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writePng } from '../data/image';
import { CocoExportOptions, CocoSegResult, cocoResults, formatSubmission, SubmissionEntry, writeIndexPng } from './formats';
import { legendEntries, overlayWithLegend } from './legend';
import { toRgb } from './overlay';

export const EXPORT_FORMATS = ['png', 'overlay', 'coco', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  readonly outDir: string;
  readonly formats: readonly ExportFormat[];
  readonly classNames: readonly string[];
  readonly ignoreIndex: number;
  /** Overlay opacity, default 0.5. */
  readonly alpha?: number;
  /** COCO category ids by class (see CocoExportOptions). */
  readonly categoryIds?: CocoExportOptions['categoryIds'];
  /** Submission mask [height, width]; default each image's own size. */
  readonly submissionSize?: readonly [number, number];
  /** With 'overlay': also write the legend sidecar `legend.json` (default true). */
  readonly legendJson?: boolean;
}

export interface PredictionItem {
  /** File stem and submission image_id. */
  readonly id: string;
  /** COCO image_id; default `id`. */
  readonly imageId?: number | string;
  readonly width: number;
  readonly height: number;
  /** Class ids, row-major. */
  readonly mask: Uint8Array;
  /** The input image (HWC, 1 or 3 channels), needed for overlays. */
  readonly image?: Uint8Array;
  readonly channels?: number;
}

/** Checks a list of format names (from the CLI or config); unknown names list the valid ones. */
export function parseFormats(names: readonly string[], where = '--format'): ExportFormat[] {
  for (const n of names) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(n)) {
      throw new Error(`${where}: unknown format ${JSON.stringify(n)}; valid formats: ${EXPORT_FORMATS.join(', ')}`);
    }
  }
  return [...new Set(names)] as ExportFormat[];
}

export class PredictionWriter {
  private readonly coco: CocoSegResult[] = [];
  private readonly rows: SubmissionEntry[] = [];

  constructor(private readonly o: ExportOptions) {
    parseFormats(o.formats);
  }

  private has(f: ExportFormat): boolean {
    return this.o.formats.includes(f);
  }

  /** Writes this image's files; returns their paths. */
  async add(p: PredictionItem): Promise<string[]> {
    if (p.mask.length !== p.width * p.height) throw new Error(`prediction ${p.id}: mask has ${p.mask.length} pixels, expected ${p.width}x${p.height}`);
    const files: string[] = [];
    if (this.has('png')) {
      const file = path.join(this.o.outDir, `${p.id}_mask.png`);
      await writeIndexPng(file, p.mask, p.width, p.height);
      files.push(file);
    }
    if (this.has('overlay')) {
      if (!p.image) throw new Error(`prediction ${p.id}: the overlay format needs the input image`);
      const rgb = overlayWithLegend(toRgb(p.image, p.width, p.height, p.channels ?? 3), p.mask, this.o.classNames, {
        alpha: this.o.alpha ?? 0.5,
        ignoreIndex: this.o.ignoreIndex,
      });
      const file = path.join(this.o.outDir, `${p.id}_overlay.png`);
      await writePng(file, rgb.data, rgb.width, rgb.height, 3);
      files.push(file);
    }
    if (this.has('coco')) {
      this.coco.push(...cocoResults(p.imageId ?? p.id, p.mask, p.height, p.width, { categoryIds: this.o.categoryIds, ignoreIndex: this.o.ignoreIndex }));
    }
    if (this.has('csv')) this.rows.push({ id: p.id, mask: p.mask, height: p.height, width: p.width });
    return files;
  }

  /** Writes the collected COCO results, the submission CSV and the legend sidecar; returns their paths. */
  async finish(): Promise<string[]> {
    await fs.mkdir(this.o.outDir, { recursive: true });
    const files: string[] = [];
    const write = async (name: string, text: string) => {
      const file = path.join(this.o.outDir, name);
      await fs.writeFile(file, text);
      files.push(file);
    };
    if (this.has('coco')) await write('predictions.coco.json', JSON.stringify(this.coco));
    if (this.has('csv')) await write('submission.csv', formatSubmission(this.rows, this.o.submissionSize));
    if (this.has('overlay') && this.o.legendJson !== false) await write('legend.json', JSON.stringify(legendEntries(this.o.classNames), null, 1) + '\n');
    return files;
  }
}
