/**
 * The data contract shared by every dataset, the loader, training and `seglab data check`.
 *
 * A dataset yields raw samples exactly as stored (no resize, no normalisation): 8-bit images in HWC order and
 * class-index masks. Resizing, cropping, augmentation and normalisation happen later, in the pipeline, so the
 * checker can look at the data the user actually has.
 */

/** One image and its label, as stored on disk (after label mapping). */
export interface RawSample {
  /** Stable identifier: the file stem for folder datasets, the COCO file name, `synthetic-<i>` otherwise. */
  readonly id: string;
  /** Path of the image file, when there is one (used in messages and for naming predictions). */
  readonly imagePath?: string;
  readonly height: number;
  readonly width: number;
  /** 1 (grayscale) or 3 (RGB). */
  readonly channels: number;
  /** Row-major HWC pixel values, 0–255. */
  readonly image: Uint8Array;
  /** Row-major HW class indices in [0, classes) or the dataset's ignore index. */
  readonly mask: Uint8Array;
  /**
   * Row-major HW instance ids, only from datasets that know instances (COCO): 0 = no instance (background, crowd,
   * ignored or skipped annotations), k = the k-th annotation of this image in file order (1-based; ids of skipped
   * annotations stay unused). Painted with the class mask, so a pixel with id k has the class of annotation k.
   * Used for the U-Net weight map's objects; training drops it once the weight map is computed (the augmentation
   * moves image, mask and weight map, not this), see {@link withoutInstances}.
   */
  readonly instances?: Uint16Array;
}

/** The sample without its instance map (for code that transforms the mask and would leave the map behind). */
export function withoutInstances<T extends RawSample>(sample: T): Omit<T, 'instances'> {
  if (sample.instances === undefined) return sample;
  const { instances: _dropped, ...rest } = sample;
  return rest;
}

/** A random-access collection of samples. Implementations validate eagerly where cheap (file pairing, JSON). */
export interface SegDataset {
  /** Human-readable description used in logs, e.g. `maskFolder(/data/isbi/train)`. */
  readonly description: string;
  /** Number of classes including background. */
  readonly classes: number;
  /** One name per class, index = class id. */
  readonly classNames: readonly string[];
  /** Label value excluded from loss and metrics (0–255). */
  readonly ignoreIndex: number;
  readonly length: number;
  /** Loads sample `index`; rejects with a {@link DataError} naming the file on bad input. */
  get(index: number): Promise<RawSample>;
}

/**
 * A user-facing data problem. The message names the file (or field) and says how to fix it; the CLI prints it
 * without a stack trace.
 */
export class DataError extends Error {
  constructor(message: string, readonly file?: string) {
    super(message);
    this.name = 'DataError';
  }
}

/** How an image file was stored, as sharp (or the BMP reader) reports it, and how it was converted to 8 bits. */
export interface ImageSourceInfo {
  readonly path: string;
  /** Container format: `png`, `jpeg`, `tiff`, `bmp`, `webp`, ... */
  readonly format: string;
  /** Sample type as stored: `uchar` (8-bit), `ushort` (16-bit), `float`, ... (sharp's names). */
  readonly depth: string;
  /** Channels as stored, alpha included. */
  readonly channels: number;
  readonly hasAlpha: boolean;
  /** True for palette (indexed-colour) PNG/BMP files. */
  readonly isPalette: boolean;
  readonly width: number;
  readonly height: number;
  /** Smallest and largest stored sample value before conversion (alpha excluded). */
  readonly min: number;
  readonly max: number;
  /**
   * What loading did to the values: `none` (8-bit), `scaled16` (16-bit divided by 257), `float01` (float in [0, 1]
   * multiplied by 255), `float255` (float in [0, 255] rounded), `floatClipped` (float outside [0, 255], clipped).
   */
  readonly conversion: 'none' | 'scaled16' | 'float01' | 'float255' | 'floatClipped';
}

/** A label value found in a mask that is neither a class (after the label map) nor the ignore index. */
export interface LabelCount {
  readonly value: number;
  readonly count: number;
}

/** What `seglab data check` learns about one sample: the sample (unknown labels replaced by ignore) and its files. */
export interface SampleInspection {
  readonly sample: RawSample;
  readonly image?: ImageSourceInfo;
  readonly mask?: ImageSourceInfo;
  readonly maskPath?: string;
  /** Raw mask values that are not classes; empty when the mask is clean. */
  readonly unknownLabels: readonly LabelCount[];
}

/** A dataset that can report on its files instead of failing on the first bad label (used by the checker). */
export interface InspectableDataset extends SegDataset {
  inspect(index: number): Promise<SampleInspection>;
}

export function isInspectable(ds: SegDataset): ds is InspectableDataset {
  return typeof (ds as Partial<InspectableDataset>).inspect === 'function';
}
