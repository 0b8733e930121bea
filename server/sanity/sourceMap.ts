/**
 * From a V8 stack trace in the bundled user module back to the user's own file, line and column: the bundle's
 * inline source map (esbuild) read with Node's `SourceMap`. No tfjs import.
 */
import * as path from 'node:path';
import { SourceMap, SourceMapPayload } from 'node:module';

/** A 1-based position in a file. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One `at ...` line of a V8 stack trace (1-based line and column). */
export interface StackFrame {
  readonly fn: string | null;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?\s*$/;

/** The frames of a V8 stack trace that name a file position (native and anonymous frames are left out). */
export function parseStack(stack: string): StackFrame[] {
  const out: StackFrame[] = [];
  for (const line of stack.split('\n')) {
    const m = FRAME.exec(line);
    if (!m) continue;
    let file = m[2];
    let fn = m[1] ?? null;
    // "at async fn (file:1:2)" and "at new Foo (file:1:2)" keep their file; eval frames are not user positions.
    if (file.startsWith('eval at ')) continue;
    if (fn?.startsWith('async ')) fn = fn.slice(6);
    file = file.replace(/^file:\/\//, '');
    out.push({ fn, file, line: Number(m[3]), column: Number(m[4]) });
  }
  return out;
}

/** The decoded inline source map of esbuild output, or null when the code has none. */
export function inlineSourceMap(code: string): SourceMapPayload | null {
  const m = /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (!m) return null;
  return JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')) as SourceMapPayload;
}

interface Entry {
  originalSource?: string;
  originalLine?: number;
  originalColumn?: number;
}

/** Maps positions in a bundle (evaluated under the name {@link bundleName}) to the user's sources. */
export class BundleMap {
  private readonly map: SourceMap;
  private readonly sources: ReadonlySet<string>;

  /**
   * @param bundleName the file name the bundle was evaluated under (what stack frames show)
   * @param payload its source map
   * @param outDir the directory the map's `sources` are relative to (esbuild: the outfile's directory)
   */
  constructor(
    readonly bundleName: string,
    payload: SourceMapPayload,
    private readonly outDir: string,
  ) {
    this.map = new SourceMap(payload);
    this.sources = new Set(payload.sources.map((s) => this.absolute(s)));
  }

  private absolute(source: string): string {
    return path.resolve(this.outDir, sourcePath(source));
  }

  /** True when `file` is one of the bundle's original sources. */
  isSource(file: string): boolean {
    return this.sources.has(path.resolve(file));
  }

  /** The original position of a 1-based position in the bundle, or null outside the user's sources. */
  original(line: number, column: number): SourcePosition | null {
    const e = this.map.findEntry(line - 1, column - 1) as Entry;
    if (e.originalSource === undefined || e.originalLine === undefined || e.originalColumn === undefined) return null;
    const file = this.absolute(e.originalSource);
    if (file.split(path.sep).includes('node_modules')) return null;
    return { file, line: e.originalLine + 1, column: e.originalColumn + 1 };
  }

  /** The mapped frames of `stack` that lie in the user's code, innermost first. */
  userFrames(stack: string): SourcePosition[] {
    const out: SourcePosition[] = [];
    for (const f of parseStack(stack)) {
      if (f.file !== this.bundleName) continue;
      const p = this.original(f.line, f.column);
      if (p) out.push(p);
    }
    return out;
  }

  /** The innermost user frame of `stack` (where the user's code called into tfjs or SegLab, or threw), or null. */
  topUserFrame(stack: string): SourcePosition | null {
    return this.userFrames(stack)[0] ?? null;
  }
}

/** esbuild writes plain relative paths; a `file://` URL (other tools) is turned into a path. */
function sourcePath(source: string): string {
  return source.startsWith('file://') ? new URL(source).pathname : source;
}
