/**
 * Reads `seglab.json`, validates it once at the edge and returns a complete config with every default filled in
 * and every path made absolute. Errors name the file, the field, quote the bad value and list valid options.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { LossSpec, ParsedConfig, SeglabConfig } from './schema';

/** A bad config file or field; the CLI prints the message alone, without a stack trace. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A validated config plus where it came from (paths inside are absolute). */
export interface ResolvedConfig extends ParsedConfig {
  /** Absolute path of the config file, or `null` for the built-in default. */
  readonly source: string | null;
}

/** 1-based line and column of character `offset` in `text`. */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** Parses JSON text; a syntax error names the file, line and column. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const m = /position (\d+)/.exec(msg);
    const where = m ? lineCol(text, Number(m[1])) : null;
    const loc = where ? `:${where.line}:${where.column}` : '';
    throw new ConfigError(`${file}${loc}: invalid JSON (${msg}). Fix the syntax at that position.`);
  }
}

function valueAt(root: unknown, keys: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of keys) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function fieldName(keys: readonly PropertyKey[]): string {
  let out = '';
  for (const k of keys) out += typeof k === 'number' ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out || '(top level)';
}

function quote(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

/** One readable line per zod issue: field, quoted value, what is allowed. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const field = fieldName(issue.path);
  const got = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_value':
      return `\`${field}\`: got ${quote(got)}; valid options: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys': {
      const where = issue.path.length ? `\`${field}\`` : 'the top level';
      return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling`;
    }
    case 'invalid_union': {
      // A union of differently-typed forms (e.g. a preset name or a list of steps): when exactly one form has the
      // value's type, its own problems are the useful ones.
      const branches = (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
      const inside = branches.filter((b) => b.length > 0 && b.every((e) => e.path.length > 0));
      const pick = inside.length === 1 ? inside[0] : typeof got !== 'object' ? branches.find((b) => b[0]?.code === 'invalid_value') : undefined;
      if (pick && !('discriminator' in issue && issue.discriminator)) {
        return pick.map((sub) => describeIssue({ ...sub, path: [...issue.path, ...sub.path] } as z.core.$ZodIssue, input)).join('\n  ');
      }
      if ('discriminator' in issue && issue.discriminator) {
        const options = (issue as { options?: unknown[] }).options ?? [];
        return `\`${field}\`: got ${quote(got)}; valid options: ${options.map((o) => JSON.stringify(o)).join(', ')}`;
      }
      return `\`${field}\`: got ${quote(got)}; ${issue.message}`;
    }
    case 'invalid_type':
      if (got === undefined) return `\`${field}\` is required (expected ${issue.expected})`;
      return `\`${field}\`: got ${quote(got)}; expected ${issue.expected === 'int' ? 'a whole number' : issue.expected}`;
    case 'too_small':
    case 'too_big':
      return `\`${field}\`: got ${quote(got)}; ${issue.message.replace(/^Too (small|big): /, '')}`;
    default:
      return `\`${field}\`: got ${quote(got)}; ${issue.message}`;
  }
}

function resolvePaths(cfg: ParsedConfig, baseDir: string): ParsedConfig {
  const abs = (p: string): string => path.resolve(baseDir, p);
  const out = structuredClone(cfg);
  const d = out.data;
  if (d.type === 'maskFolder') {
    d.train = { images: abs(d.train.images), masks: abs(d.train.masks) };
    if (d.val) d.val = { images: abs(d.val.images), masks: abs(d.val.masks) };
  } else if (d.type === 'coco') {
    d.train = { annotations: abs(d.train.annotations), images: abs(d.train.images) };
    d.val = { annotations: abs(d.val.annotations), images: abs(d.val.images) };
  }
  out.output.runsDir = abs(out.output.runsDir);
  if (out.model.encoderWeights) out.model.encoderWeights = abs(out.model.encoderWeights);
  return out;
}

/** Deep supervision, CGM, pruning, encoder weights and freezing: which architectures take them. */
function modelHeadChecks(cfg: ParsedConfig): string[] {
  const m = cfg.model;
  const t = cfg.train;
  const out: string[] = [];
  const enc = m.encoderName !== undefined;
  if (m.deepSupervision && !(enc && (m.arch === 'unetplusplus' || m.arch === 'unet3plus')))
    out.push(`\`model.deepSupervision\`: only 'unetplusplus' and 'unet3plus' (with an encoderName) have deep-supervision heads, not '${m.arch}'`);
  if (t.deepSupervisionWeights && !m.deepSupervision)
    out.push('`train.deepSupervisionWeights`: set `model.deepSupervision: true` too, or remove the weights');
  if (m.cgm !== false && !(enc && m.arch === 'unet3plus'))
    out.push(`\`model.cgm\`: the classification-guided module belongs to 'unet3plus' (with an encoderName), not '${m.arch}'`);
  if (m.pruneLevel !== undefined) {
    if (!(enc && m.arch === 'unetplusplus')) out.push(`\`model.pruneLevel\`: only 'unetplusplus' (with an encoderName) can be pruned, not '${m.arch}'`);
    else if (m.pruneLevel > m.encoderDepth) out.push(`\`model.pruneLevel\`: got ${m.pruneLevel}; give 1 to encoderDepth (${m.encoderDepth})`);
    else if (m.pruneLevel < m.encoderDepth && !m.deepSupervision)
      out.push(`\`model.pruneLevel\`: ${m.pruneLevel} needs \`model.deepSupervision: true\` (the head on X(0,${m.pruneLevel}) is untrained otherwise)`);
  }
  if (m.encoderWeights !== undefined && !enc) out.push('`model.encoderWeights`: only encoder models (with `model.encoderName`) load encoder weights');
  if (t.freezeEncoderEpochs > 0 && !enc) out.push('`train.freezeEncoderEpochs`: only encoder models (with `model.encoderName`) have an encoder to freeze');
  if (cfg.input.padToStride && m.padding === 'valid')
    out.push("`input.padToStride`: the valid-convolution U-Net takes its own sizes (see the error without it); remove padToStride or use padding 'same'");
  return out;
}

function crossChecks(cfg: ParsedConfig, file: string): void {
  const problems: string[] = [];
  const d = cfg.data;
  if (d.type === 'maskFolder') {
    if (!d.val && !d.split) problems.push('`data`: give either `val` folders or a `split` to hold out validation images');
    if (d.val && d.split) problems.push('`data`: give `val` or `split`, not both');
    if (d.split && d.split.count === undefined && d.split.fraction === undefined)
      problems.push('`data.split`: give `count` or `fraction`');
    if (d.classNames && d.classNames.length !== d.classes)
      problems.push(`\`data.classNames\`: ${d.classNames.length} names for ${d.classes} classes; give one name per class`);
    for (const [raw, cls] of Object.entries(d.labelMap ?? {}))
      if (cls >= d.classes && cls !== d.ignoreIndex)
        problems.push(`\`data.labelMap.${raw}\`: class ${cls} is not below \`data.classes\` (${d.classes}) nor the ignore index`);
  }
  const m = cfg.model;
  if (m.arch !== 'unet' && !m.encoderName)
    problems.push(`\`model.encoderName\`: '${m.arch}' needs an encoder, e.g. "resnet34"`);
  if (m.encoderName && m.padding === 'valid')
    problems.push("`model.padding`: 'valid' is the classic U-Net's; encoder models pad (remove `encoderName` or `padding`)");
  if (m.encoderName && (m.encoderDepth < 3 || m.encoderDepth > 5))
    problems.push(`\`model.encoderDepth\`: got ${m.encoderDepth}; encoder models take 3 to 5`);
  problems.push(...modelHeadChecks(cfg));
  const n = cfg.input.normalize;
  if (n.mode === 'given' && (!n.mean || !n.std))
    problems.push("`input.normalize`: mode 'given' needs both `mean` and `std`");
  if (n.mean && n.std && n.mean.length !== n.std.length)
    problems.push('`input.normalize`: `mean` and `std` need the same number of channels');
  const onlyFor: [keyof LossSpec, LossSpec['type'][]][] = [
    ['classWeights', ['ce', 'weightedCe']],
    ['w0', ['weightedCe']],
    ['sigma', ['weightedCe']],
    ['gamma', ['focal', 'unet3plus']],
    ['alpha', ['focal', 'unet3plus']],
    ['classes', ['dice', 'iou', 'lovasz', 'unet3plus']],
    ['perImage', ['lovasz']],
  ];
  for (const [i, t] of cfg.train.loss.entries())
    for (const [field, types] of onlyFor)
      if (t[field] !== undefined && !types.includes(t.type))
        problems.push(`\`train.loss[${i}].${field}\`: only ${types.map((x) => `'${x}'`).join(', ')} take${types.length > 1 ? '' : 's'} it, not '${t.type}'`);
  if (cfg.train.loss.filter((t) => t.type === 'weightedCe').length > 1)
    problems.push("`train.loss`: give at most one 'weightedCe' term (each batch carries one weight map)");
  if (problems.length) throw new ConfigError(`${file}:\n  ${problems.join('\n  ')}`);
}

/** Validates an already-parsed JSON value; `file` is used in messages, `baseDir` to resolve relative paths. */
export function validateConfig(input: unknown, file: string, baseDir: string): ParsedConfig {
  const r = SeglabConfig.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => describeIssue(i, input));
    throw new ConfigError(`${file}: ${lines.length} problem${lines.length > 1 ? 's' : ''}:\n  ${lines.join('\n  ')}`);
  }
  crossChecks(r.data, file);
  return resolvePaths(r.data, baseDir);
}

/**
 * Loads the config: `configPath` if given, else `./seglab.json` in `cwd` if present, else the built-in default
 * (synthetic cells). Missing or unreadable files throw a {@link ConfigError}.
 */
export function loadConfig(configPath: string | undefined, cwd = process.cwd()): ResolvedConfig {
  let file = configPath ? path.resolve(cwd, configPath) : path.join(cwd, 'seglab.json');
  if (!configPath && !fs.existsSync(file)) {
    return { ...validateConfig({}, '(built-in default)', cwd), source: null };
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(err);
    throw new ConfigError(`${file}: cannot read the config (${why}). Pass --config with the path of a seglab.json.`);
  }
  file = path.resolve(file);
  const parsed = parseJsonText(text, file);
  return { ...validateConfig(parsed, file, path.dirname(file)), source: file };
}
