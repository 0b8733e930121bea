/**
 * Prediction file formats, each with a reader for round trips:
 *
 * - index PNG: 8-bit gray, pixel value = class id (what `readMask` and most tools read back);
 * - COCO results JSON: one entry per image and predicted class, `{image_id, category_id, segmentation:
 *   {size: [h, w], counts}, score}` with pycocotools' compressed RLE;
 * - submission CSV: `image_id,PredictionString`, the mask resized (nearest neighbour) to a fixed size and
 *   flattened row-major into space-separated class ids.
 */
import { readMask, writePng } from '../data/image';
import { paintRle, rleEncode, rleFromString, rleToString } from '../data/rle';
import { resizeNearest } from '../infer/pixels';

/** Writes `mask` (row-major h×w class ids) as an 8-bit gray PNG. */
export function writeIndexPng(file: string, mask: Uint8Array, width: number, height: number): Promise<void> {
  return writePng(file, mask, width, height, 1);
}

/** Reads an index PNG back to class ids. */
export async function readIndexPng(file: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  const m = await readMask(file);
  return { width: m.width, height: m.height, data: m.data };
}

export interface CocoSegResult {
  readonly image_id: number | string;
  readonly category_id: number;
  readonly segmentation: { readonly size: [number, number]; readonly counts: string };
  readonly score: number;
}

export interface CocoExportOptions {
  /** COCO category id of class c is `categoryIds[c]`; default: c itself. For a CocoDataset: [0, ...ds.categoryIds]. */
  readonly categoryIds?: readonly number[];
  /** Classes not written (default: [0], the background). */
  readonly skipClasses?: readonly number[];
  readonly ignoreIndex?: number;
}

function categoryOf(c: number, ids: readonly number[] | undefined): number {
  if (!ids) return c;
  const id = ids[c];
  if (id === undefined) throw new Error(`COCO export: class ${c} has no category id (categoryIds has ${ids.length} entries)`);
  return id;
}

/** One result per class present in `mask` (background and ignore skipped), ascending by class. */
export function cocoResults(imageId: number | string, mask: Uint8Array, height: number, width: number, o: CocoExportOptions = {}): CocoSegResult[] {
  if (mask.length !== height * width) throw new Error(`COCO export: mask has ${mask.length} pixels, expected ${height}x${width}`);
  const skip = new Set([...(o.skipClasses ?? [0]), o.ignoreIndex ?? 255]);
  const present = [...new Set(mask)].filter((c) => !skip.has(c)).sort((a, b) => a - b);
  return present.map((c) => ({
    image_id: imageId,
    category_id: categoryOf(c, o.categoryIds),
    segmentation: { size: [height, width], counts: rleToString(rleEncode(Uint8Array.from(mask, (v) => (v === c ? 1 : 0)), height, width)) },
    score: 1,
  }));
}

/** Paints the results of `imageId` into an h×w mask (unpainted pixels: `background`). */
export function maskFromCocoResults(
  results: readonly CocoSegResult[],
  imageId: number | string,
  height: number,
  width: number,
  o: { readonly categoryIds?: readonly number[]; readonly background?: number } = {},
): Uint8Array {
  const out = new Uint8Array(height * width).fill(o.background ?? 0);
  for (const r of results) {
    if (r.image_id !== imageId) continue;
    const c = o.categoryIds ? o.categoryIds.indexOf(r.category_id) : r.category_id;
    if (c < 0) throw new Error(`COCO results: category ${r.category_id} is not in categoryIds`);
    const [h, w] = r.segmentation.size;
    if (h !== height || w !== width) throw new Error(`COCO results: image ${imageId} has a ${h}x${w} RLE, expected ${height}x${width}`);
    paintRle(out, rleFromString(r.segmentation.counts, h, w), c);
  }
  return out;
}

export interface SubmissionEntry {
  readonly id: string;
  readonly mask: Uint8Array;
  readonly height: number;
  readonly width: number;
}

export const SUBMISSION_HEADER = 'image_id,PredictionString';

/** A CSV field, quoted when it holds a comma, quote or line break. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line: the id and the mask at `size` ([height, width]; default its own) as row-major class ids. */
export function submissionLine(e: SubmissionEntry, size?: readonly [number, number]): string {
  const [h, w] = size ?? [e.height, e.width];
  if (e.mask.length !== e.height * e.width) throw new Error(`submission: mask of ${e.id} has ${e.mask.length} pixels, expected ${e.height}x${e.width}`);
  const m = h === e.height && w === e.width ? e.mask : resizeNearest(e.mask, e.height, e.width, h, w);
  return `${csvField(e.id)},${Array.from(m).join(' ')}`;
}

/** The whole CSV: header, one line per entry, '\n' line ends. */
export function formatSubmission(entries: readonly SubmissionEntry[], size?: readonly [number, number]): string {
  return [SUBMISSION_HEADER, ...entries.map((e) => submissionLine(e, size))].join('\n') + '\n';
}

/** Splits one CSV line into its two fields (the id may be quoted). */
function splitLine(line: string, n: number): [string, string] {
  if (line.startsWith('"')) {
    let i = 1;
    let id = '';
    for (; i < line.length; i++) {
      if (line[i] !== '"') {
        id += line[i];
      } else if (line[i + 1] === '"') {
        id += '"';
        i++;
      } else {
        break;
      }
    }
    if (line[i + 1] !== ',') throw new Error(`submission line ${n}: expected a comma after the quoted image_id`);
    return [id, line.slice(i + 2)];
  }
  const comma = line.indexOf(',');
  if (comma < 0) throw new Error(`submission line ${n}: expected "image_id,PredictionString"`);
  return [line.slice(0, comma), line.slice(comma + 1)];
}

/** Parses a submission CSV whose masks are `size` ([height, width]) into id → mask. */
export function parseSubmission(text: string, size: readonly [number, number]): Map<string, Uint8Array> {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== SUBMISSION_HEADER) throw new Error(`submission: the first line must be "${SUBMISSION_HEADER}", got ${JSON.stringify(lines[0])}`);
  const out = new Map<string, Uint8Array>();
  lines.slice(1).forEach((line, i) => {
    const [id, pred] = splitLine(line, i + 2);
    const values = pred.trim() === '' ? [] : pred.trim().split(/\s+/).map(Number);
    if (values.length !== size[0] * size[1]) {
      throw new Error(`submission line ${i + 2} (${id}): ${values.length} values, expected ${size[0]}x${size[1]} = ${size[0] * size[1]}`);
    }
    if (values.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) throw new Error(`submission line ${i + 2} (${id}): values must be class ids 0-255`);
    out.set(id, Uint8Array.from(values));
  });
  return out;
}
