/**
 * Step 1 of a sanity run: bundle the user's model module (TS or JS) and every local file it imports into one
 * CommonJS script with an inline source map (esbuild, in-process and offline). Packages stay external: the loader
 * hands `@tensorflow/tfjs` the server's own instance. Syntax and import errors come back as diagnostics at the
 * user's line and column. No tfjs import.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { SanityDiagnostic } from '../protocol';
import { BundleMap, inlineSourceMap } from './sourceMap';

/** A bundled module, ready to evaluate. */
export interface Bundle {
  /** Absolute path of the module. */
  readonly entry: string;
  /** CommonJS code ending in an inline source map. */
  readonly code: string;
  /** The name the code is evaluated under (what its stack frames show) and the map back to the sources. */
  readonly map: BundleMap;
  /** The module and every local file it imports (absolute, module first): the files to watch. */
  readonly files: readonly string[];
}

export type TranspileResult =
  | { readonly ok: true; readonly bundle: Bundle }
  | { readonly ok: false; readonly diagnostics: SanityDiagnostic[]; readonly files: readonly string[] };

/** The name stack frames of an evaluated bundle show: never a real file, so it cannot be mistaken for one. */
export function bundleNameOf(entry: string): string {
  return `seglab-sanity:${entry}`;
}

function diagnosticOf(m: esbuild.Message, cwd: string, entry: string): SanityDiagnostic {
  const code = /^Could not resolve/.test(m.text) ? 'resolve' : 'syntax';
  const hint = code === 'resolve' ? ' (local imports are bundled; packages resolve from the module\'s folder)' : '';
  const loc = m.location;
  if (!loc) return { file: entry, line: 1, column: 1, severity: 'error', code, message: m.text + hint };
  const column = loc.column + 1;
  return {
    file: path.resolve(cwd, loc.file),
    line: loc.line,
    column,
    endLine: loc.line,
    endColumn: column + Math.max(1, loc.length),
    severity: 'error',
    code,
    message: m.text + hint,
  };
}

/** Local inputs of the bundle, entry first (from esbuild's metafile, relative to `cwd`). */
function localFiles(meta: esbuild.Metafile | undefined, cwd: string, entry: string): string[] {
  const files = Object.keys(meta?.inputs ?? {})
    .map((f) => path.resolve(cwd, f))
    .filter((f) => !f.split(path.sep).includes('node_modules'));
  return [entry, ...files.filter((f) => f !== entry)];
}

/** Bundles `entry` (an absolute path); syntax and resolution errors are returned as diagnostics, never thrown. */
export function transpileModule(entry: string): TranspileResult {
  const file = path.resolve(entry);
  if (!fs.existsSync(file)) {
    const message = `model module ${file} does not exist: check \`model.module\` in seglab.json (relative to the config file)`;
    return { ok: false, diagnostics: [{ file, line: 1, column: 1, severity: 'error', code: 'resolve', message }], files: [file] };
  }
  const cwd = path.dirname(file);
  try {
    const out = esbuild.buildSync({
      entryPoints: [file],
      absWorkingDir: cwd,
      outfile: path.join(cwd, '__seglab_sanity_bundle__.js'),
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      sourcesContent: false,
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0].text;
    const payload = inlineSourceMap(code);
    if (!payload) throw new Error('internal: esbuild produced no inline source map');
    const map = new BundleMap(bundleNameOf(file), payload, cwd);
    return { ok: true, bundle: { entry: file, code, map, files: localFiles(out.metafile, cwd, file) } };
  } catch (err) {
    const errors = (err as esbuild.BuildFailure).errors;
    if (!Array.isArray(errors)) throw err;
    return { ok: false, diagnostics: errors.map((m) => diagnosticOf(m, cwd, file)), files: [file] };
  }
}
