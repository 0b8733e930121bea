/**
 * Loading a bundled user model module and calling its `build(ctx)`: the bundle is evaluated with a `require` that
 * hands it the server's own tfjs (so `import * as tf from '@tensorflow/tfjs'` in the module is `ctx.tf`), and
 * every error is mapped to the user's file, line and column. Also the trainer's entry point for `model.module`.
 */
import * as path from 'node:path';
import * as vm from 'node:vm';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../config/load';
import type { SanityDiagnostic } from '../protocol';
import type { DatasetMeta } from '../train/datasets';
import { UserFacingError } from '../train/errors';
import { Bundle, transpileModule } from './transpile';
import { createContext, InputShape, ModelContext } from './context';
import { buildLocation, diagnosticAt, SanityFinding, SourceLines } from './diagnostics';
import type { SourcePosition } from './sourceMap';
import { modulePathOf } from './modulePath';

export { modulePathOf } from './modulePath';

/** Packages a module gets from the server itself (one tfjs instance, so its models are this tfjs' models). */
const SHARED_PACKAGES: Readonly<Record<string, () => unknown>> = {
  '@tensorflow/tfjs': () => tf,
  '@tensorflow/tfjs-core': () => require('@tensorflow/tfjs-core'),
  '@tensorflow/tfjs-layers': () => require('@tensorflow/tfjs-layers'),
};

export type BuildFn = (ctx: ModelContext) => unknown;

/** A user error with its place in the user's source (mapped), thrown by {@link loadBundle} and {@link callBuild}. */
export class ModuleError extends Error {
  constructor(readonly diagnostic: SanityDiagnostic) {
    super(diagnostic.message);
    this.name = 'ModuleError';
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return `a non-Error value was thrown: ${JSON.stringify(err) ?? String(err)}`;
}

/** The diagnostic for an exception thrown by user code: at its innermost user frame, else at `build`. */
export function diagnosticOfError(err: unknown, bundle: Bundle, sources: SourceLines, what: string): SanityDiagnostic {
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  const at: SourcePosition = bundle.map.topUserFrame(stack) ?? buildLocation(bundle.entry, sources);
  return diagnosticAt(at, 'error', 'build-error', `${what}: ${errorText(err)}`, sources);
}

/** Evaluates the bundle and returns its `build` (or default export); errors become a {@link ModuleError}. */
export function loadBundle(bundle: Bundle, sources = new SourceLines()): BuildFn {
  const userRequire = createRequire(bundle.entry);
  const req = (spec: string): unknown => (SHARED_PACKAGES[spec] ? SHARED_PACKAGES[spec]() : userRequire(spec));
  const mod: { exports: Record<string, unknown> } = { exports: {} };
  try {
    const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${bundle.code}\n})`, {
      filename: bundle.map.bundleName,
    }) as (...args: unknown[]) => void;
    wrapper(mod.exports, req, mod, bundle.entry, path.dirname(bundle.entry));
  } catch (err) {
    const d = diagnosticOfError(err, bundle, sources, 'the module threw while loading');
    throw new ModuleError({ ...d, code: 'runtime-error' });
  }
  const build = mod.exports.build ?? mod.exports.default;
  if (typeof build !== 'function') {
    const message = `${path.basename(bundle.entry)} exports no \`build\` function: add \`export function build(ctx) { ... }\` returning a tf.LayersModel (see examples/models/unet.ts)`;
    throw new ModuleError({ file: bundle.entry, line: 1, column: 1, severity: 'error', code: 'no-build', message });
  }
  return build as BuildFn;
}

/**
 * Calls `build(ctx)` and checks it returned a tf.LayersModel. Exceptions become a {@link ModuleError} at the
 * innermost user frame; a {@link SanityFinding} is rethrown as is (its layer locates it).
 */
export function callBuild(build: BuildFn, ctx: ModelContext, bundle: Bundle, sources = new SourceLines()): tf.LayersModel {
  let result: unknown;
  try {
    result = build(ctx);
  } catch (err) {
    if (err instanceof SanityFinding) throw err;
    throw new ModuleError(diagnosticOfError(err, bundle, sources, 'build(ctx) threw'));
  }
  if (result instanceof tf.LayersModel) return result;
  const at = buildLocation(bundle.entry, sources);
  const got = result instanceof Promise ? 'a Promise (build must be synchronous)' : result === undefined ? 'nothing' : `a ${typeof result}`;
  const message = `build(ctx) returned ${got}; return a tf.LayersModel, e.g. \`return tf.model({inputs, outputs})\``;
  throw new ModuleError(diagnosticAt(at, 'error', 'no-build', message, sources));
}

function where(d: SanityDiagnostic): string {
  return `${d.file}:${d.line}:${d.column}`;
}

/**
 * The trainer's model for `model.module` (train/prepare.ts): built for any spatial size ([null, null, C]).
 * Every problem is a {@link UserFacingError} naming the file, line and column.
 */
export function buildModuleModel(cfg: ResolvedConfig, meta: DatasetMeta, inChannels: number): tf.LayersModel {
  const file = modulePathOf(cfg);
  if (!file) throw new Error('internal: buildModuleModel without model.module');
  if (cfg.model.encoderName) {
    throw new UserFacingError('`model.module` replaces the built-in architectures: remove `model.encoderName` (or `model.module`)');
  }
  const t = transpileModule(file);
  if (!t.ok) {
    const d = t.diagnostics[0];
    throw new UserFacingError(`\`model.module\` ${where(d)}: ${d.message}`);
  }
  const sources = new SourceLines();
  const shape: InputShape = [null, null, inChannels];
  try {
    return callBuild(loadBundle(t.bundle, sources), createContext(shape, meta.classes), t.bundle, sources);
  } catch (err) {
    if (err instanceof ModuleError) throw new UserFacingError(`\`model.module\` ${where(err.diagnostic)}: ${err.message}`);
    throw err;
  }
}
