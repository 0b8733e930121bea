import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLine } from './buildLine';

describe('buildLine', () => {
  test('finds export function / const / CommonJS build, preferring the export', () => {
    assert.equal(buildLine('import x from "y";\n\nexport function build(ctx) {\n}'), 2);
    assert.equal(buildLine('// a\nexport async function build(ctx: Ctx) {}'), 1);
    assert.equal(buildLine('const a = 1;\nexport const build = (ctx) => ctx;'), 1);
    assert.equal(buildLine('function build(ctx) {}\nmodule.exports.build = build;'), 1);
    assert.equal(buildLine('function build(ctx) {}\nexport { build };'), 0);
  });
  test('no build: the top of the file', () => {
    assert.equal(buildLine('export function make() {}'), 0);
  });
});
