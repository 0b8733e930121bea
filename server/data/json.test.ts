import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { findJsonError, lineColumn, readJsonFile } from './json';
import { tempDir } from './fixtures';

const { dir, cleanup } = tempDir();
after(cleanup);

describe('JSON errors', () => {
  test('line and column are 1-based', () => {
    assert.deepEqual(lineColumn('ab\ncd', 4), { line: 2, column: 2 });
    assert.deepEqual(lineColumn('ab', 0), { line: 1, column: 1 });
  });

  test('the scanner finds the first bad character', () => {
    assert.equal(findJsonError('{"a": 1,\n "b": }'), 15);
    assert.equal(findJsonError('[1, 2'), 5);
    assert.equal(findJsonError('{"a" 1}'), 5);
    assert.equal(findJsonError('{"a": [1, {"b": "x"}], "c": null}'), 33);
  });

  test('a bad file is reported with file:line:column', async () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '{\n  "images": [],\n  "annotations": }\n');
    await assert.rejects(readJsonFile(file, 'annotations file'), { name: 'DataError', message: /bad\.json:3:18 is not valid JSON/ });
  });

  test('a missing file names the file', async () => {
    await assert.rejects(readJsonFile(path.join(dir, 'none.json'), 'annotations file'), /annotations file .*none\.json does not exist/);
  });
});
