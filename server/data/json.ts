/** Reading JSON files with errors that give the file, line and column. */
import { promises as fs } from 'node:fs';
import { DataError } from './types';

/** Reads and parses a JSON file; a syntax error becomes a DataError with `file:line:column`. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as Error).message})`;
    throw new DataError(`${what} ${file} ${reason}: check the path in your config`, file);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = errorOffset(text, (err as Error).message);
    const { line, column } = lineColumn(text, at);
    throw new DataError(
      `${what} ${file}:${line}:${column} is not valid JSON (${(err as Error).message.split('\n')[0]}): fix the file there`, file);
  }
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < Math.min(offset, text.length); i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

function errorOffset(text: string, message: string): number {
  const m = /at position (\d+)/.exec(message);
  return m ? Number(m[1]) : findJsonError(text);
}

/** Offset of the first syntax error in `text` (a small recursive-descent JSON scanner; text.length if none). */
export function findJsonError(text: string): number {
  const s = new Scanner(text);
  try {
    s.ws();
    s.value();
    s.ws();
    if (s.p < text.length) throw s.p;
    return text.length;
  } catch (at) {
    if (typeof at === 'number') return at;
    throw at;
  }
}

class Scanner {
  p = 0;
  constructor(readonly t: string) {}

  ws(): void {
    while (this.p < this.t.length && ' \t\n\r'.includes(this.t[this.p])) this.p++;
  }

  value(): void {
    const c = this.t[this.p];
    if (c === '{') return this.container('}', true);
    if (c === '[') return this.container(']', false);
    if (c === '"') return this.string();
    for (const word of ['true', 'false', 'null']) {
      if (this.t.startsWith(word, this.p)) {
        this.p += word.length;
        return;
      }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.t.slice(this.p, this.p + 64));
    if (!m) throw this.p;
    this.p += m[0].length;
  }

  container(close: string, object: boolean): void {
    this.p++;
    this.ws();
    if (this.t[this.p] === close) {
      this.p++;
      return;
    }
    for (;;) {
      if (object) {
        if (this.t[this.p] !== '"') throw this.p;
        this.string();
        this.ws();
        if (this.t[this.p] !== ':') throw this.p;
        this.p++;
        this.ws();
      }
      this.value();
      this.ws();
      const c = this.t[this.p];
      if (c === close) {
        this.p++;
        return;
      }
      if (c !== ',') throw this.p;
      this.p++;
      this.ws();
    }
  }

  string(): void {
    this.p++;
    while (this.p < this.t.length) {
      const c = this.t[this.p];
      if (c === '"') {
        this.p++;
        return;
      }
      if (c === '\\') this.p++;
      else if (c < ' ') throw this.p;
      this.p++;
    }
    throw this.p;
  }
}
