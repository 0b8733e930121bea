/**
 * `seglab data check`: walks a dataset, collects every problem (never stopping at the first bad file) and
 * summarises what the data looks like: counts, sizes, channels, stored formats, per-class pixel share and
 * unknown label values. Datasets that implement `inspect` (folders, COCO) also get file-level checks
 * (16-bit and float storage, unknown labels without failing).
 */
import { listSome, SizeMismatchError, UnknownLabelError } from './errors';
import { DataError, ImageSourceInfo, isInspectable, LabelCount, RawSample, SampleInspection, SegDataset } from './types';

export type ProblemKind =
  | 'unreadable' | 'sizeMismatch' | 'unknownLabels' | 'allIgnore' | 'sixteenBit' | 'float01' | 'float255'
  | 'floatClipped' | 'constant' | 'lowRange' | 'emptyClass' | 'mostlyIgnore';

export interface CheckProblem {
  readonly kind: ProblemKind;
  readonly file: string;
  readonly message: string;
}

export interface CheckOptions {
  /** Check at most this many samples, evenly spaced (default: all). */
  readonly maxSamples?: number;
  /** How many files to list in the unknown-labels summary (default 10). */
  readonly maxListed?: number;
  /** An image whose max − min is below this (0–255 scale) is reported as near-empty range (default 16). */
  readonly minRange?: number;
  /** Called after each sample (for progress bars). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CountOf<T> {
  readonly value: T;
  readonly count: number;
}

export interface CheckReport {
  readonly description: string;
  readonly length: number;
  readonly checked: number;
  /** Samples that could not be loaded at all. */
  readonly failed: number;
  readonly classes: number;
  readonly classNames: readonly string[];
  readonly ignoreIndex: number;
  /** Distinct `HxW` sizes with their counts, most common first. */
  readonly sizes: readonly CountOf<string>[];
  readonly channels: readonly CountOf<number>[];
  /** Stored formats such as `png uchar 1ch`, when the dataset reports them. */
  readonly formats: readonly CountOf<string>[];
  readonly classPixels: readonly { index: number; name: string; pixels: number; share: number }[];
  readonly ignorePixels: number;
  readonly totalPixels: number;
  /** Files with unknown label values (at most `maxListed`), and how many such files there were. */
  readonly unknownLabels: readonly { file: string; values: readonly LabelCount[] }[];
  readonly unknownLabelFiles: number;
  readonly problems: readonly CheckProblem[];
}

/** Checks every sample (or `maxSamples` evenly spaced ones) and returns the report. */
export async function checkDataset(ds: SegDataset, options: CheckOptions = {}): Promise<CheckReport> {
  const total = Math.min(ds.length, options.maxSamples ?? ds.length);
  const acc = new Accumulator(ds, options);
  for (let j = 0; j < total; j++) {
    await acc.visit(Math.floor((j * ds.length) / total));
    options.onProgress?.(j + 1, total);
  }
  return acc.report(total);
}

class Accumulator {
  private readonly sizes = new Map<string, number>();
  private readonly channels = new Map<number, number>();
  private readonly formats = new Map<string, number>();
  private readonly classCounts: number[];
  private ignore = 0;
  private totalPixels = 0;
  private failed = 0;
  private readonly unknown: { file: string; values: readonly LabelCount[] }[] = [];
  private unknownFiles = 0;
  private readonly problems: CheckProblem[] = [];

  constructor(private readonly ds: SegDataset, private readonly options: CheckOptions) {
    this.classCounts = new Array<number>(ds.classes).fill(0);
  }

  async visit(index: number): Promise<void> {
    let inspection: SampleInspection;
    try {
      inspection = isInspectable(this.ds) ? await this.ds.inspect(index) : { sample: await this.ds.get(index), unknownLabels: [] };
    } catch (err) {
      this.failed++;
      this.recordError(err, index);
      return;
    }
    const { sample } = inspection;
    const file = sample.imagePath ?? sample.id;
    bump(this.sizes, `${sample.height}x${sample.width}`);
    bump(this.channels, sample.channels);
    if (inspection.image) bump(this.formats, `${inspection.image.format} ${inspection.image.depth} ${inspection.image.channels}ch`);
    if (inspection.image) this.checkSource(inspection.image);
    this.checkRange(sample, file);
    const maskFile = inspection.maskPath ?? file;
    if (inspection.unknownLabels.length) this.addUnknown(maskFile, inspection.unknownLabels);
    this.countClasses(sample, maskFile);
  }

  private add(kind: ProblemKind, file: string, message: string): void {
    this.problems.push({ kind, file, message });
  }

  private recordError(err: unknown, index: number): void {
    const file = err instanceof DataError && err.file ? err.file : `sample ${index}`;
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof UnknownLabelError) this.addUnknown(file, err.values);
    else this.add(err instanceof SizeMismatchError ? 'sizeMismatch' : 'unreadable', file, message);
  }

  private addUnknown(file: string, values: readonly LabelCount[]): void {
    this.unknownFiles++;
    if (this.unknown.length < (this.options.maxListed ?? 10)) this.unknown.push({ file, values });
    const list = values.slice(0, 5).map((v) => `${v.value} (${v.count} px)`).join(', ');
    this.add('unknownLabels', file, `mask has values that are not classes: ${list}${values.length > 5 ? ', ...' : ''}; ` +
      'map them with "labelMap" or raise "classes"');
  }

  private checkSource(src: ImageSourceInfo): void {
    const range = `stored range ${fmt(src.min)}–${fmt(src.max)}`;
    switch (src.conversion) {
      case 'scaled16':
        this.add('sixteenBit', src.path, `image is 16-bit (${range}); values will be scaled to 8 bits (divided by 257)` +
          (src.max < 4096 ? ': the data looks like 12-bit or less and will come out dark; rescale it to the full 16-bit range or to 8 bits' : ''));
        break;
      case 'float01':
        this.add('float01', src.path, `image is stored as float already scaled to 0–1 (${range}); values will be multiplied by 255`);
        break;
      case 'float255':
        this.add('float255', src.path, `image is stored as float in 0–255 (${range}); values will be rounded to 8 bits`);
        break;
      case 'floatClipped':
        this.add('floatClipped', src.path, `image is stored as float outside 0–255 (${range}); values will be clipped to 0–255: ` +
          'rescale the images before training');
        break;
      default:
    }
  }

  private checkRange(s: RawSample, file: string): void {
    let min = 255, max = 0;
    for (let i = 0; i < s.image.length; i++) {
      const v = s.image[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (min === max) this.add('constant', file, `image is constant (every value is ${min}): it carries no information`);
    else if (max - min < (this.options.minRange ?? 16)) {
      this.add('lowRange', file, `image uses only values ${min}–${max} of 0–255: nearly empty dynamic range; ` +
        'check its bit depth or rescale it');
    }
  }

  private countClasses(s: RawSample, maskFile: string): void {
    let ignored = 0;
    for (let i = 0; i < s.mask.length; i++) {
      const v = s.mask[i];
      if (v < this.classCounts.length) this.classCounts[v]++;
      else ignored++;
    }
    this.ignore += ignored;
    this.totalPixels += s.mask.length;
    if (s.mask.length > 0 && ignored === s.mask.length) {
      this.add('allIgnore', maskFile, `every mask pixel is ignored (${this.ds.ignoreIndex} or unknown): nothing to learn from this ` +
        'sample; check "labelMap" and "ignoreIndex"');
    }
  }

  /** Dataset-level findings: classes without pixels, masks that are mostly ignore. */
  private summarise(): void {
    const where = this.ds.description;
    if (this.totalPixels === 0) return;
    const empty = this.classCounts.map((n, i) => (n === 0 ? `${i} ${this.ds.classNames[i] ?? ''}`.trim() : '')).filter(Boolean);
    if (empty.length) {
      this.add('emptyClass', where, `${empty.length} class(es) have no pixels in the checked samples: ${listSome(empty, 8)}; ` +
        'check "classes"/"labelMap", or expect their IoU to be undefined');
    }
    const ignoreShare = this.ignore / this.totalPixels;
    if (ignoreShare > 0.5) {
      this.add('mostlyIgnore', where, `${pct(ignoreShare)} of mask pixels are ignored (${this.ds.ignoreIndex} or unknown values): ` +
        `if ${this.ds.ignoreIndex} marks a class (e.g. 0/255 masks), set "labelMap" such as {"0": 0, "255": 1}`);
    }
  }

  report(checked: number): CheckReport {
    this.summarise();
    const sorted = <T>(m: Map<T, number>) => [...m].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count);
    const total = Math.max(1, this.totalPixels);
    return {
      description: this.ds.description, length: this.ds.length, checked, failed: this.failed, classes: this.ds.classes,
      classNames: this.ds.classNames, ignoreIndex: this.ds.ignoreIndex, sizes: sorted(this.sizes), channels: sorted(this.channels),
      formats: sorted(this.formats),
      classPixels: this.classCounts.map((pixels, index) => ({ index, name: this.ds.classNames[index] ?? `class${index}`, pixels, share: pixels / total })),
      ignorePixels: this.ignore, totalPixels: this.totalPixels, unknownLabels: this.unknown, unknownLabelFiles: this.unknownFiles,
      problems: this.problems,
    };
  }
}

function bump<T>(m: Map<T, number>, key: T): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** Human-readable report; lists at most `maxPerKind` problems of each kind. */
export function formatCheckReport(r: CheckReport, maxPerKind = 10): string {
  const counts = <T>(list: readonly CountOf<T>[], max = 8) =>
    (list.slice(0, max).map((c) => `${c.value} ×${c.count}`).join(', ') || '-') + (list.length > max ? `, ... (${list.length} in all)` : '');
  const lines = [
    `Dataset: ${r.description}`,
    `Samples: ${r.length}${r.checked < r.length ? ` (checked ${r.checked})` : ''}${r.failed ? `, ${r.failed} could not be loaded` : ''}`,
    `Image sizes (HxW): ${counts(r.sizes)}`,
    `Channels: ${counts(r.channels)}`,
  ];
  if (r.formats.length) lines.push(`Stored as: ${counts(r.formats)}`);
  lines.push(`Classes (${r.classes}), share of mask pixels:`);
  const width = Math.max(...r.classPixels.map((c) => c.name.length), 6);
  for (const c of r.classPixels) lines.push(`  ${String(c.index).padStart(3)} ${c.name.padEnd(width)} ${pct(c.share).padStart(6)}`);
  lines.push(`  ignore (${r.ignoreIndex})${' '.repeat(Math.max(1, width - 8))}${pct(r.ignorePixels / Math.max(1, r.totalPixels)).padStart(6)}`);
  if (r.unknownLabelFiles) {
    lines.push(`Unknown label values in ${r.unknownLabelFiles} file(s):`);
    for (const u of r.unknownLabels) lines.push(`  ${u.file}: ${u.values.map((v) => `${v.value} ×${v.count}`).join(', ')}`);
    if (r.unknownLabelFiles > r.unknownLabels.length) lines.push(`  ... and ${r.unknownLabelFiles - r.unknownLabels.length} more`);
  }
  lines.push(...formatProblems(r.problems, maxPerKind));
  return lines.join('\n');
}

function formatProblems(problems: readonly CheckProblem[], maxPerKind: number): string[] {
  if (!problems.length) return ['No problems found.'];
  const lines = [`Problems (${problems.length}):`];
  const byKind = new Map<ProblemKind, CheckProblem[]>();
  for (const p of problems) {
    const list = byKind.get(p.kind) ?? [];
    list.push(p);
    byKind.set(p.kind, list);
  }
  for (const [kind, list] of byKind) {
    lines.push(`  ${kind} (${list.length}):`);
    for (const p of list.slice(0, maxPerKind)) lines.push(`    ${p.file}: ${p.message}`);
    if (list.length > maxPerKind) lines.push(`    ... and ${list.length - maxPerKind} more`);
  }
  return lines;
}
