/**
 * Pure helpers of the image-path hover (no 'vscode' import, tested in Node): the path string under the cursor,
 * where it points, and the hover's markdown.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PreviewResult } from '../../server/protocol';

/** Image files the preview opens (sharp or the built-in BMP reader decodes them). */
export const PREVIEW_IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff'];

export interface PathHit {
  /** The path as written (JSON/JS escapes of backslashes undone). */
  readonly text: string;
  /** Character range of the path in the line: [start, end). */
  readonly start: number;
  readonly end: number;
}

export function isImagePath(p: string): boolean {
  return PREVIEW_IMAGE_EXTENSIONS.includes(path.extname(p.replace(/[?#].*$/, '')).toLowerCase());
}

/** The quoted string (', ", `) around `ch`, scanning the line left to right so escaped quotes are skipped. */
function quotedAt(line: string, ch: number): PathHit | null {
  for (let i = 0; i < line.length; i++) {
    const q = line[i];
    if (q !== '"' && q !== "'" && q !== '`') continue;
    let j = i + 1;
    while (j < line.length && line[j] !== q) j += line[j] === '\\' ? 2 : 1;
    if (j >= line.length) return null;
    if (ch > i && ch <= j) return { text: line.slice(i + 1, j).replace(/\\\\/g, '\\'), start: i + 1, end: j };
    i = j;
  }
  return null;
}

/** A Markdown link or image target `](target)` around `ch`. */
function linkTargetAt(line: string, ch: number): PathHit | null {
  const re = /\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const start = m.index + 2;
    const end = start + m[1].length;
    if (ch >= start && ch <= end) return { text: m[1], start, end };
  }
  return null;
}

/** The whitespace-free token around `ch`, without surrounding brackets and punctuation. */
function tokenAt(line: string, ch: number): PathHit | null {
  let start = ch;
  let end = ch;
  while (start > 0 && !/\s/.test(line[start - 1])) start--;
  while (end < line.length && !/\s/.test(line[end])) end++;
  let text = line.slice(start, end);
  const lead = /^[(<[{,;:]+/.exec(text)?.[0].length ?? 0;
  const trail = /[)>\]},;:.]+$/.exec(text)?.[0].length ?? 0;
  text = text.slice(lead, text.length - trail);
  return text ? { text, start: start + lead, end: end - trail } : null;
}

/**
 * The image path under the cursor at `ch` in `line`: a quoted string, a Markdown link target, or a bare token,
 * when it ends in an image extension; else null.
 */
export function imagePathAt(line: string, ch: number): PathHit | null {
  for (const hit of [quotedAt(line, ch), linkTargetAt(line, ch), tokenAt(line, ch)]) {
    if (hit && hit.text.length < 4096 && isImagePath(hit.text)) return hit;
  }
  return null;
}

/**
 * The file a written path points to: a file: URI or an absolute path as is, a relative one against the
 * document's folder first, then each workspace folder. Null when none exists.
 */
export function resolveImagePath(text: string, docDir: string | null, roots: readonly string[], exists: (file: string) => boolean): string | null {
  let p = text.replace(/[?#].*$/, '');
  if (/^file:\/\//i.test(p)) {
    try {
      p = fileURLToPath(p);
    } catch {
      return null;
    }
  }
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(p)) return null; // http:, data:, ... are not files
  const candidates = path.isAbsolute(p) ? [p] : [...(docDir ? [docDir] : []), ...roots].map((d) => path.resolve(d, p));
  return candidates.find((c) => exists(c)) ?? null;
}

/** Escapes the characters that would start Markdown or HTML syntax inside a line (names and paths may hold them). */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_[\]()#|<>]/g, '\\$&');
}

export interface HoverContent {
  readonly result: PreviewResult;
  /** The thumbnail as a file: URI string. */
  readonly thumbnailUri: string;
  /** e.g. "tiny-cells · best". */
  readonly modelLabel: string;
  /** A command: URI that opens the full preview, or null. */
  readonly openCommandUri: string | null;
  /** Thumbnail width in the hover, pixels. */
  readonly width: number;
}

/** Display width of a thumbnail whose longest side is `side`, for an image of w×h (Markdown's |width= sets only the width). */
export function thumbnailWidth(w: number, h: number, side: number): number {
  return Math.max(1, Math.round((side * w) / Math.max(w, h)));
}

/** A URI safe inside a Markdown link target: parentheses and spaces percent-encoded. */
export function linkSafe(uri: string): string {
  return uri.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/\s/g, '%20');
}

/** The classes present in the prediction, largest share first, e.g. "background 71.2% · circle 12.0%". */
export function classesPresent(r: Pick<PreviewResult, 'classNames' | 'classShares'>): string {
  return r.classShares
    .map((share, c) => ({ share, name: r.classNames[c] ?? `class ${c}` }))
    .filter((x) => x.share > 0)
    .sort((a, b) => b.share - a.share)
    .map((x) => `${x.name} ${(100 * x.share).toFixed(1)}%`)
    .join(' · ');
}

/** The hover's Markdown: title, thumbnail, classes present, per-image mIoU when there is ground truth. */
export function hoverMarkdown(h: HoverContent): string {
  const r = h.result;
  const lines = [
    `**SegLab prediction** · ${escapeMarkdown(h.modelLabel)} · ${r.sourceWidth}×${r.sourceHeight}`,
    '',
    `![SegLab prediction overlay](${linkSafe(h.thumbnailUri)}|width=${h.width})`,
    '',
    `Classes: ${escapeMarkdown(classesPresent(r)) || 'none'}`,
  ];
  const iou = r.perClassIoU?.filter((v): v is number => v !== null) ?? [];
  if (iou.length) lines.push('', `Per-image mIoU ${(iou.reduce((a, b) => a + b, 0) / iou.length).toFixed(4)} against ${escapeMarkdown(path.basename(r.gtSource ?? ''))}`);
  if (h.openCommandUri) lines.push('', `[Open SegLab Preview](${h.openCommandUri})`);
  return lines.join('\n');
}
