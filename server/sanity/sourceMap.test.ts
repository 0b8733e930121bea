import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseStack } from './sourceMap';
import { transpileModule } from './transpile';
import { loadBundle } from './userModule';
import { tempFolder } from './testing';

test('parseStack reads named, anonymous, async and constructor frames and skips native ones', () => {
  const stack = [
    'Error: boom',
    '    at helper (/a/b/net.ts:41:20)',
    '    at /a/b/net.ts:7:3',
    '    at async Object.build (seglab-sanity:C:\\work\\net.ts:12:5)',
    '    at new Foo (/a/foo.js:1:2)',
    '    at Array.map (<anonymous>)',
    '    at node:internal/main:10:11',
  ].join('\n');
  assert.deepEqual(parseStack(stack), [
    { fn: 'helper', file: '/a/b/net.ts', line: 41, column: 20 },
    { fn: null, file: '/a/b/net.ts', line: 7, column: 3 },
    { fn: 'Object.build', file: 'seglab-sanity:C:\\work\\net.ts', line: 12, column: 5 },
    { fn: 'new Foo', file: '/a/foo.js', line: 1, column: 2 },
    { fn: null, file: 'node:internal/main', line: 10, column: 11 },
  ]);
});

const MAIN = `import { fail } from './lib/fail';
interface Unused { a: number }

export function build(): never {
  const note: string = 'type annotations are stripped';
  return fail(note.length); // call
}
`;
const FAIL = `// a helper in another file
export function fail(n: number): never {
  throw new RangeError('failed after ' + n); // throw
}
`;

test('frames of an evaluated bundle map back to each original file, line and column', () => {
  const dir = tempFolder({ 'net.ts': MAIN, 'lib/fail.ts': FAIL });
  const t = transpileModule(path.join(dir, 'net.ts'));
  assert.ok(t.ok);
  const build = loadBundle(t.bundle) as unknown as () => never;
  let stack = '';
  try {
    build();
  } catch (err) {
    stack = (err as Error).stack ?? '';
  }
  const frames = t.bundle.map.userFrames(stack);
  const at = (text: string, marker: string, token: string): { line: number; column: number } => {
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.includes(marker));
    return { line: i + 1, column: lines[i].indexOf(token) + 1 };
  };
  assert.deepEqual(frames.slice(0, 2), [
    { file: path.join(dir, 'lib', 'fail.ts'), ...at(FAIL, '// throw', 'new RangeError') },
    { file: path.join(dir, 'net.ts'), ...at(MAIN, '// call', 'fail(') },
  ]);
  assert.deepEqual(t.bundle.map.topUserFrame(stack), frames[0]);
  assert.equal(t.bundle.map.topUserFrame('Error\n    at x (/elsewhere.js:1:1)'), null);
});
