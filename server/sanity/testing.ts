/** Helpers shared by this folder's tests (not used at run time): example paths, marker lookup, temp modules. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** examples/models of the repository (tests run from out/server/sanity). */
export const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples', 'models');

export function example(name: string): string {
  return path.join(EXAMPLES, name);
}

/**
 * Where a diagnostic is expected in `file`: the line holding the marker comment `// <- expected`, and the 1-based
 * column where `token` starts on that line.
 */
export function markerPosition(file: string, token: string): { line: number; column: number } {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  const index = lines.findIndex((l) => l.includes('// <- expected'));
  assert.ok(index >= 0, `${file} has no "// <- expected" marker`);
  const column = lines[index].indexOf(token);
  assert.ok(column >= 0, `${file}:${index + 1} does not contain ${JSON.stringify(token)}`);
  return { line: index + 1, column: column + 1 };
}

/** 1-based line and column of the first `export function build` (the `build` name) in `file`. */
export function buildPosition(file: string): { line: number; column: number } {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  const index = lines.findIndex((l) => /export function build\b/.test(l));
  assert.ok(index >= 0, `${file} has no "export function build"`);
  return { line: index + 1, column: lines[index].indexOf('build(') + 1 };
}

/** A fresh temporary folder with `files` (name → content) written into it. */
export function tempFolder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-sanity-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
