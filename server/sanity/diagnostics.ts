/**
 * Diagnostics of a sanity run: where in the user's source a problem is, as a 1-based range for the editor, and the
 * error type that carries a finding (and the layer it is about) out through the user's code. No tfjs import.
 */
import * as fs from 'node:fs';
import type { SanityDiagnostic, SanityDiagnosticCode } from '../protocol';
import type { SourcePosition } from './sourceMap';

/**
 * A problem found while the user's module builds the model (e.g. a Concatenate whose inputs disagree). Thrown
 * from SegLab's layer hooks, so it unwinds the user's `build` like any error; `layer` (a tf.layers.Layer) says
 * whose creation line to point at.
 */
export class SanityFinding extends Error {
  constructor(
    readonly code: SanityDiagnosticCode,
    message: string,
    readonly layer: object | null = null,
  ) {
    super(message);
    this.name = 'SanityFinding';
  }
}

/** Reads source files once per run (for token ranges and the `build` location). */
export class SourceLines {
  private readonly cache = new Map<string, readonly string[] | null>();

  lines(file: string): readonly string[] | null {
    if (!this.cache.has(file)) {
      let lines: string[] | null = null;
      try {
        lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
      } catch {
        lines = null;
      }
      this.cache.set(file, lines);
    }
    return this.cache.get(file) ?? null;
  }
}

/**
 * The 1-based exclusive end column of the token starting at 1-based `column` of `lineText`: an identifier (with a
 * leading `new `), otherwise the rest of the line without trailing spaces.
 */
export function tokenEnd(lineText: string, column: number): number {
  const rest = lineText.slice(column - 1);
  const m = /^(?:new\s+)?[\w$]+/.exec(rest);
  if (m) return column + m[0].length;
  return Math.max(column + 1, lineText.trimEnd().length + 1);
}

/** A diagnostic at `pos`, its range the token there (when the file can be read). */
export function diagnosticAt(
  pos: SourcePosition,
  severity: SanityDiagnostic['severity'],
  code: SanityDiagnosticCode,
  message: string,
  sources?: SourceLines,
): SanityDiagnostic {
  const text = sources?.lines(pos.file)?.[pos.line - 1];
  const end = text === undefined ? {} : { endLine: pos.line, endColumn: tokenEnd(text, pos.column) };
  return { file: pos.file, line: pos.line, column: pos.column, ...end, severity, code, message };
}

/**
 * Where the module defines `build` (`export function build`, `export const build =`, `exports.build =`): the
 * place for findings that belong to no line of their own (loss not falling, leaked tensors). Line 1 otherwise.
 */
export function buildLocation(file: string, sources: SourceLines): SourcePosition {
  const lines = sources.lines(file) ?? [];
  const patterns = [
    /\bexport\s+(?:default\s+)?(?:async\s+)?function\s+(build)\b/,
    /\bexport\s+(?:const|let|var)\s+(build)\b/,
    /\b(?:module\.)?exports\.(build)\s*=/,
    /\bfunction\s+(build)\b/,
  ];
  for (const re of patterns) {
    for (let i = 0; i < lines.length; i++) {
      const m = re.exec(lines[i]);
      if (m) return { file, line: i + 1, column: m.index + m[0].lastIndexOf(m[1]) + 1 };
    }
  }
  return { file, line: 1, column: 1 };
}

/** `[N,60,60,32]`: the batch dimension as N, other unknown sizes as ?. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d, i) => (d === null ? (i === 0 ? 'N' : '?') : String(d))).join(',')}]`;
}
