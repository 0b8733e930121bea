/**
 * `seglab eval` / `seglab predict` flags that override the config's `infer` and `export` sections:
 * --mode whole|slide|overlapTile, --crop S, --stride S, --tta-flip [h|v|hv], --tta-scales 0.75,1,1.25,
 * --format png,overlay,coco,csv, --csv-size S (S = N or HxW). No tfjs import; errors name the flag.
 *
 * `--tta-flip` takes an optional value, which util.parseArgs cannot express: it is declared as a string option
 * and {@link normalizeOptionalFlags} first rewrites the arguments so that it always has one.
 */
import type { ExportConfig, InferConfig } from '../config/schema';
import { UserFacingError } from '../train/errors';

export const INFER_MODES = ['whole', 'slide', 'overlapTile'] as const;
export const FORMATS = ['png', 'overlay', 'coco', 'csv'] as const;
/** `--tta-flip` values, as the config's `infer.flip`: left-right, top-bottom, both. */
export const TTA_FLIPS = ['h', 'v', 'hv'] as const;
/** `--tta-flip` without a value. */
const DEFAULT_TTA_FLIP = 'h';

/** The raw flag values (strings as parseArgs returns them). */
export interface InferFlagValues {
  readonly mode?: string;
  readonly crop?: string;
  readonly stride?: string;
  readonly 'tta-flip'?: string;
  readonly 'tta-scales'?: string;
  readonly format?: string;
  readonly 'csv-size'?: string;
}

/** parseArgs option declarations of these flags. */
export const INFER_FLAG_OPTIONS = {
  mode: { type: 'string' },
  crop: { type: 'string' },
  stride: { type: 'string' },
  /** Optional value: run the arguments through {@link normalizeOptionalFlags} before parseArgs. */
  'tta-flip': { type: 'string' },
  'tta-scales': { type: 'string' },
  format: { type: 'string' },
  'csv-size': { type: 'string' },
} as const;

/**
 * Rewrites command-line arguments so that parseArgs (with `--tta-flip` declared as a string) reads the optional
 * value: `--tta-flip` followed by h, v or hv takes it (`--tta-flip v`); `--tta-flip` followed by anything else
 * (another flag, an image path, nothing) means `--tta-flip=h`, and the next argument stays as it was;
 * `--tta-flip=VALUE` is kept and checked by {@link inferOverrides}. A next argument made of the letters h and v
 * only (`vh`, `H`) is taken for a misspelt direction and refused. Arguments after `--` are left alone.
 */
export function normalizeOptionalFlags(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    if (a !== '--tta-flip') {
      out.push(a);
      continue;
    }
    const next = args[i + 1];
    if (next !== undefined && (TTA_FLIPS as readonly string[]).includes(next)) {
      out.push(`--tta-flip=${next}`);
      i++;
    } else if (next !== undefined && /^[hv]+$/i.test(next)) {
      throw ttaFlipError(next);
    } else {
      out.push(`--tta-flip=${DEFAULT_TTA_FLIP}`);
    }
  }
  return out;
}

function ttaFlipError(value: string): UserFacingError {
  return new UserFacingError(
    `--tta-flip: unknown value ${JSON.stringify(value)}; valid: ${TTA_FLIPS.join(', ')} ` +
      '(h left-right, the default when the flag has no value; v top-bottom; hv both), e.g. --tta-flip hv or --tta-flip=v',
  );
}

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
  const flip = v['tta-flip'];
  if (flip !== undefined) {
    if (!(TTA_FLIPS as readonly string[]).includes(flip)) throw ttaFlipError(flip);
    infer.flip = flip as (typeof TTA_FLIPS)[number];
  }
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
