import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { transpileModule } from './transpile';
import { example, markerPosition, tempFolder } from './testing';

test('a syntax error is reported at its line and column with a one-character range', () => {
  const file = example('broken/syntax.ts');
  const t = transpileModule(file);
  assert.equal(t.ok, false);
  if (t.ok) return;
  const at = markerPosition(file, ' ;');
  assert.deepEqual(t.diagnostics, [
    { file, line: at.line, column: at.column + 1, endLine: at.line, endColumn: at.column + 2, severity: 'error', code: 'syntax', message: 'Unexpected ";"' },
  ]);
});

test('the bundle lists the module and every local file it imports, not packages', () => {
  const t = transpileModule(example('broken/throwsInBuild.ts'));
  assert.ok(t.ok);
  assert.deepEqual(t.bundle.files, [example('broken/throwsInBuild.ts'), example('broken/lib/shapes.ts')]);
  assert.match(t.bundle.code, /require\("@tensorflow\/tfjs"\)/);
  assert.doesNotMatch(t.bundle.code, /interface|: number/);
});

test('an unresolvable local import is a resolve error at the import', () => {
  const dir = tempFolder({ 'net.ts': "import { helper } from './missing';\nexport const build = helper;\n" });
  const t = transpileModule(path.join(dir, 'net.ts'));
  assert.equal(t.ok, false);
  if (t.ok) return;
  assert.equal(t.diagnostics.length, 1);
  const d = t.diagnostics[0];
  assert.deepEqual([d.code, d.line, d.column], ['resolve', 1, 24]);
  assert.match(d.message, /Could not resolve "\.\/missing"/);
});

test('a missing module file names model.module', () => {
  const t = transpileModule('/nonexistent/models/net.ts');
  assert.equal(t.ok, false);
  if (t.ok) return;
  assert.match(t.diagnostics[0].message, /model module \/nonexistent\/models\/net\.ts does not exist: check `model\.module`/);
});
