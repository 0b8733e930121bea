/**
 * COCO instance annotations as a semantic-segmentation dataset.
 *
 * Classes: 0 = background, then the selected COCO categories in ascending id order (1, 2, ...). Per image the
 * annotations are painted in file order, later over earlier: polygons are rasterised exactly as pycocotools does
 * (see polygon.ts), RLEs (uncompressed `counts: number[]` or compressed `counts: string`) are decoded. Crowd
 * annotations (`iscrowd: 1`): `ignore` (default) paints them with the ignore index after all others;
 * `foreground` paints them like any annotation, in order; `background` skips them, so their pixels stay
 * background unless another annotation covers them. Annotations of categories left out by `categories` are
 * skipped. The JSON is read and checked once in {@link CocoDataset.open}; masks are rasterised in `get`.
 *
 * Each sample also carries its instance map (`RawSample.instances`, Uint16Array): annotation k of the image (file
 * order, 1-based) paints id k where it paints its class, later over earlier like the mask; crowd annotations paint
 * no instance (0) in every mode, and the ignore paint of 'ignore' crowds clears the ids beneath. So a pixel with
 * id k always has the class of annotation k, and ignored pixels have no instance.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { listSome, SizeMismatchError } from './errors';
import { readImage } from './image';
import { readJsonFile } from './json';
import { rleFromPolygon } from './polygon';
import { paintRle, Rle, rleFromString, rleProblem } from './rle';
import { DataError, InspectableDataset, RawSample, SampleInspection } from './types';

export type CrowdMode = 'ignore' | 'foreground' | 'background';

/** Instance ids are Uint16: annotation number 65536 of one image cannot get its own id. */
const MAX_INSTANCES = 0xffff;

export interface CocoOptions {
  /** Path of the instances JSON. */
  readonly annotations: string;
  /** Folder the `file_name`s are relative to. */
  readonly images: string;
  readonly ignoreIndex?: number;
  readonly crowd?: CrowdMode;
  /** COCO category ids to keep (default: all). */
  readonly categories?: readonly number[];
  readonly channels?: 1 | 3;
}

export interface CocoImage {
  readonly id: number;
  readonly file_name: string;
  readonly height: number;
  readonly width: number;
}

export interface CocoAnnotation {
  readonly id: number;
  readonly image_id: number;
  readonly category_id: number;
  readonly iscrowd?: number | boolean;
  readonly segmentation: unknown;
}

interface CocoCategory {
  readonly id: number;
  readonly name: string;
}

export class CocoDataset implements InspectableDataset {
  readonly description: string;
  readonly classes: number;
  readonly classNames: readonly string[];
  readonly ignoreIndex: number;
  /** COCO category id of class c is `categoryIds[c - 1]`. */
  readonly categoryIds: readonly number[];
  private readonly classOf: Map<number, number>;
  private readonly allIds: Set<number>;

  private constructor(
    private readonly options: CocoOptions,
    private readonly images: readonly CocoImage[],
    private readonly byImage: ReadonlyMap<number, readonly CocoAnnotation[]>,
    categories: readonly CocoCategory[],
  ) {
    const file = options.annotations;
    this.description = `coco(${file})`;
    this.ignoreIndex = options.ignoreIndex ?? 255;
    this.allIds = new Set(categories.map((c) => c.id));
    const sorted = categories.slice().sort((a, b) => a.id - b.id);
    const wanted = options.categories ?? sorted.map((c) => c.id);
    for (const id of wanted) {
      if (!this.allIds.has(id)) {
        throw new DataError(`"categories" lists ${id}, which is not a category in ${file}; valid ids: ${listSome(sorted.map((c) => String(c.id)), 100)}`, file);
      }
    }
    const kept = sorted.filter((c) => wanted.includes(c.id));
    this.categoryIds = kept.map((c) => c.id);
    this.classOf = new Map(kept.map((c, i) => [c.id, i + 1]));
    this.classes = kept.length + 1;
    this.classNames = ['background', ...kept.map((c) => c.name)];
    if (this.classes > 255 || !Number.isInteger(this.ignoreIndex) || this.ignoreIndex < this.classes || this.ignoreIndex > 255) {
      throw new DataError(`"ignoreIndex" ${this.ignoreIndex} must be an integer from ${this.classes} (the class count) to 255`, file);
    }
  }

  /** Reads and checks the annotation file and that every image file exists. */
  static async open(options: CocoOptions): Promise<CocoDataset> {
    const file = options.annotations;
    const json = await readJsonFile(file, 'COCO annotations file');
    const { images, annotations, categories } = parseCoco(json, file);
    const byImage = groupAnnotations(images, annotations, file);
    checkImageFiles(images, options.images, file);
    return new CocoDataset(options, images, byImage, categories);
  }

  get length(): number {
    return this.images.length;
  }

  async get(index: number): Promise<RawSample> {
    return (await this.inspect(index)).sample;
  }

  async inspect(index: number): Promise<SampleInspection> {
    const info = this.imageAt(index);
    const imagePath = path.join(this.options.images, info.file_name);
    const img = await readImage(imagePath, { channels: this.options.channels ?? 3 });
    if (img.width !== info.width || img.height !== info.height) {
      throw new SizeMismatchError(
        `image ${imagePath} is ${img.width}x${img.height} but ${this.options.annotations} says ${info.width}x${info.height} ` +
          '(width x height): fix the "width"/"height" entry or use the matching image', imagePath);
    }
    const { mask, instances } = this.labels(index);
    const sample: RawSample = {
      id: info.file_name, imagePath, height: img.height, width: img.width, channels: img.channels, image: img.data, mask, instances,
    };
    return { sample, image: img.source, unknownLabels: [] };
  }

  /** The class mask of image `index` (row-major HW), without reading the image file. */
  rasterize(index: number): Uint8Array {
    return this.labels(index).mask;
  }

  /** The class mask and the instance map (see the file comment) of image `index`, without reading the image file. */
  labels(index: number): { mask: Uint8Array; instances: Uint16Array } {
    const info = this.imageAt(index);
    const mask = new Uint8Array(info.height * info.width);
    const instances = new Uint16Array(info.height * info.width);
    const crowd = this.options.crowd ?? 'ignore';
    const deferred: Rle[] = [];
    const anns = this.byImage.get(info.id) ?? [];
    anns.forEach((ann, k) => {
      const cls = this.classForAnnotation(ann, info);
      const isCrowd = Boolean(ann.iscrowd);
      if (cls === undefined || (isCrowd && crowd === 'background')) return;
      const rles = annotationRles(ann, info, this.options.annotations);
      if (isCrowd && crowd === 'ignore') {
        deferred.push(...rles);
        return;
      }
      const id = isCrowd ? 0 : this.instanceId(k + 1, ann, info);
      for (const rle of rles) {
        paintRle(mask, rle, cls);
        paintRle(instances, rle, id);
      }
    });
    for (const rle of deferred) {
      paintRle(mask, rle, this.ignoreIndex);
      paintRle(instances, rle, 0);
    }
    return { mask, instances };
  }

  private instanceId(k: number, ann: CocoAnnotation, info: CocoImage): number {
    if (k > MAX_INSTANCES) {
      throw new DataError(
        `annotation ${ann.id} (image ${info.file_name}) in ${this.options.annotations} is the image's annotation number ${k}; ` +
          `instance maps hold at most ${MAX_INSTANCES} annotations per image: split the image into tiles`,
        this.options.annotations);
    }
    return k;
  }

  private imageAt(index: number): CocoImage {
    if (!Number.isInteger(index) || index < 0 || index >= this.images.length) {
      throw new RangeError(`sample index ${index} is out of range [0, ${this.images.length})`);
    }
    return this.images[index];
  }

  private classForAnnotation(ann: CocoAnnotation, info: CocoImage): number | undefined {
    if (!this.allIds.has(ann.category_id)) {
      throw new DataError(
        `annotation ${ann.id} (image ${info.file_name}) in ${this.options.annotations}: category_id ${JSON.stringify(ann.category_id)} ` +
          `is not in "categories"; valid ids: ${listSome([...this.allIds].sort((a, b) => a - b).map(String), 100)}`,
        this.options.annotations);
    }
    return this.classOf.get(ann.category_id);
  }
}

/** The RLEs of one annotation (one per polygon, or the single RLE). */
export function annotationRles(ann: CocoAnnotation, info: CocoImage, file: string): Rle[] {
  const where = `annotation ${ann.id} (image ${info.file_name}) in ${file}: field "segmentation"`;
  const seg = ann.segmentation;
  const { height: h, width: w } = info;
  if (Array.isArray(seg)) {
    return seg.map((poly: unknown, i) => {
      if (!Array.isArray(poly) || !poly.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new DataError(`${where} polygon ${i} must be a list of numbers [x1, y1, x2, y2, ...]`, file);
      }
      if (poly.length % 2 !== 0 || poly.length < 6) {
        throw new DataError(`${where} polygon ${i} has ${poly.length / 2} points; a polygon needs at least 3 points (6 numbers x, y, ...): ` +
          'fix or remove it', file);
      }
      return rleFromPolygon(poly as number[], h, w);
    });
  }
  if (seg && typeof seg === 'object' && 'counts' in seg && 'size' in seg) {
    const { size, counts } = seg as { size: unknown; counts: unknown };
    if (!Array.isArray(size) || size[0] !== h || size[1] !== w) {
      throw new DataError(`${where} RLE size ${JSON.stringify(size)} does not match the image size [${h}, ${w}] (height, width): ` +
        'the RLE belongs to another image or the image entry is wrong', file);
    }
    let rle: Rle;
    try {
      rle = typeof counts === 'string' ? rleFromString(counts, h, w) : { size: [h, w], counts: counts as number[] };
    } catch (err) {
      throw new DataError(`${where} ${(err as Error).message}`, file);
    }
    if (!Array.isArray(rle.counts)) throw new DataError(`${where} RLE "counts" must be a string or a list of numbers`, file);
    const problem = rleProblem(rle);
    if (problem) throw new DataError(`${where} ${problem}`, file);
    return [rle];
  }
  throw new DataError(`${where} must be a list of polygons or an RLE {"size": [h, w], "counts": ...}`, file);
}

function parseCoco(json: unknown, file: string): { images: CocoImage[]; annotations: CocoAnnotation[]; categories: CocoCategory[] } {
  const fail = (field: string, what: string) => new DataError(`${file}: ${field} ${what}`, file);
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw fail('the top level', 'must be an object with "images", "annotations" and "categories"');
  const root = json as Record<string, unknown>;
  const images = requireArray(root, 'images', file);
  const categories = requireArray(root, 'categories', file);
  const annotations = root.annotations === undefined ? [] : requireArray(root, 'annotations', file);
  if (categories.length === 0) throw fail('"categories"', 'is empty: a segmentation dataset needs at least one category');
  images.forEach((im, i) => {
    const o = im as Record<string, unknown>;
    if (!isInt(o?.id)) throw fail(`images[${i}].id`, 'must be an integer');
    if (typeof o.file_name !== 'string') throw fail(`images[${i}].file_name`, 'must be a string');
    for (const k of ['height', 'width']) if (!isInt(o[k]) || (o[k] as number) <= 0) throw fail(`images[${i}].${k}`, 'must be a positive integer');
  });
  const seen = new Set<number>();
  categories.forEach((c, i) => {
    const o = c as Record<string, unknown>;
    if (!isInt(o?.id)) throw fail(`categories[${i}].id`, 'must be an integer');
    if (seen.has(o.id as number)) throw fail(`categories[${i}].id`, `${o.id} appears twice`);
    seen.add(o.id as number);
    if (typeof o.name !== 'string') throw fail(`categories[${i}].name`, 'must be a string');
  });
  annotations.forEach((a, i) => {
    const o = a as Record<string, unknown>;
    for (const k of ['image_id', 'category_id']) if (!isInt(o?.[k])) throw fail(`annotations[${i}].${k}`, 'must be an integer');
  });
  return { images: images as CocoImage[], annotations: annotations as CocoAnnotation[], categories: categories as CocoCategory[] };
}

function requireArray(root: Record<string, unknown>, key: string, file: string): unknown[] {
  const v = root[key];
  if (!Array.isArray(v)) throw new DataError(`${file}: "${key}" must be a list (got ${v === undefined ? 'nothing' : typeof v})`, file);
  return v;
}

const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);

function groupAnnotations(images: readonly CocoImage[], annotations: readonly CocoAnnotation[], file: string): Map<number, CocoAnnotation[]> {
  const byImage = new Map<number, CocoAnnotation[]>(images.map((im) => [im.id, []]));
  annotations.forEach((a, i) => {
    const list = byImage.get(a.image_id);
    if (!list) throw new DataError(`${file}: annotations[${i}].image_id ${a.image_id} matches no entry in "images"`, file);
    list.push(a);
  });
  return byImage;
}

function checkImageFiles(images: readonly CocoImage[], folder: string, file: string): void {
  if (!existsSync(folder)) throw new DataError(`COCO image folder ${folder} does not exist: set "images" to the folder holding the files of ${file}`, folder);
  const missing = images.filter((im) => !existsSync(path.join(folder, im.file_name))).map((im) => im.file_name);
  if (missing.length) {
    throw new DataError(`${missing.length} of ${images.length} images listed in ${file} are missing from ${folder}: ${listSome(missing)}; ` +
      'check the "images" folder', folder);
  }
}
