/**
 * `seglab eval` / `seglab predict` flags that override the config's `infer` and `export` sections:
 * --mode whole|slide|overlapTile, --crop S, --stride S, --tta-flip, --tta-scales 0.75,1,1.25,
 * --format png,overlay,coco,csv, --csv-size S (S = N or HxW). No tfjs import; errors name the flag.
 */
import type { ExportConfig, InferConfig } from '../config/schema';
import { UserFacingError } from '../train/errors';

export const INFER_MODES = ['whole', 'slide', 'overlapTile'] as const;
export const FORMATS = ['png', 'overlay', 'coco', 'csv'] as const;

/** The raw flag values (strings as parseArgs returns them). */
export interface InferFlagValues {
  readonly mode?: string;
  readonly crop?: string;
  readonly stride?: string;
  readonly 'tta-flip'?: boolean;
  readonly 'tta-scales'?: string;
  readonly format?: string;
  readonly 'csv-size'?: string;
}

/** parseArgs option declarations of these flags. */
export const INFER_FLAG_OPTIONS = {
  mode: { type: 'string' },
  crop: { type: 'string' },
  stride: { type: 'string' },
  'tta-flip': { type: 'boolean' },
  'tta-scales': { type: 'string' },
  format: { type: 'string' },
  'csv-size': { type: 'string' },
} as const;

/** "256" -> 256, "256x384" (or "256,384") -> [256, 384]: height then width. */
export function parseSize(text: string, flag: string): number | [number, number] {
  const parts = text.split(/[x,]/i).map((p) => p.trim());
  const nums = parts.map(Number);
  if ((parts.length !== 1 && parts.length !== 2) || nums.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new UserFacingError(`${flag} must be a size in pixels, N or HxW (e.g. 256 or 256x384); got ${JSON.stringify(text)}`);
  }
  return nums.length === 1 ? nums[0] : [nums[0], nums[1]];
}

function oneOf<T extends string>(text: string, valid: readonly T[], flag: string): T {
  if (!(valid as readonly string[]).includes(text)) {
    throw new UserFacingError(`${flag}: unknown value ${JSON.stringify(text)}; valid: ${valid.join(', ')}`);
  }
  return text as T;
}

/** The overrides the flags ask for (only the fields given), validated. */
export function inferOverrides(v: InferFlagValues): { infer?: Partial<InferConfig>; export?: Partial<ExportConfig> } {
  const infer: { -readonly [K in keyof InferConfig]?: InferConfig[K] } = {};
  if (v.mode !== undefined) infer.mode = oneOf(v.mode, INFER_MODES, '--mode');
  if (v.crop !== undefined) infer.crop = parseSize(v.crop, '--crop');
  if (v.stride !== undefined) infer.stride = parseSize(v.stride, '--stride');
  if (v['tta-flip']) infer.flip = 'h';
  if (v['tta-scales'] !== undefined) {
    const scales = v['tta-scales'].split(',').map((s) => Number(s.trim()));
    if (scales.length === 0 || scales.some((s) => !(s > 0) || !Number.isFinite(s))) {
      throw new UserFacingError(`--tta-scales must be positive numbers separated by commas (e.g. 0.75,1,1.25); got ${JSON.stringify(v['tta-scales'])}`);
    }
    infer.scales = scales;
  }
  const exp: { -readonly [K in keyof ExportConfig]?: ExportConfig[K] } = {};
  if (v.format !== undefined) exp.formats = [...new Set(v.format.split(',').map((f) => oneOf(f.trim(), FORMATS, '--format')))];
  if (v['csv-size'] !== undefined) exp.csvSize = parseSize(v['csv-size'], '--csv-size');
  return { ...(Object.keys(infer).length ? { infer } : {}), ...(Object.keys(exp).length ? { export: exp } : {}) };
}
