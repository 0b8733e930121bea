import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PreviewResult } from '../../server/protocol';
import { classesPresent, escapeMarkdown, hoverMarkdown, imagePathAt, resolveImagePath, thumbnailWidth } from './hoverText';

describe('imagePathAt', () => {
  const at = (line: string, marker: string) => imagePathAt(line, line.indexOf(marker));

  test('a quoted string in JSON, with its range', () => {
    const line = '  "image": "data/images/a.png",';
    const hit = at(line, 'images/a');
    assert.deepEqual(hit, { text: 'data/images/a.png', start: line.indexOf('data'), end: line.indexOf('",') });
  });

  test('escaped backslashes are undone; extensions are case-insensitive', () => {
    assert.equal(at('"C:\\\\data\\\\a.PNG"', 'data')?.text, 'C:\\data\\a.PNG');
  });

  test("single quotes (Python) and backticks (TypeScript) work; an escaped quote does not end the string", () => {
    assert.equal(at("img = load('cells/x.tif')", 'cells')?.text, 'cells/x.tif');
    assert.equal(at('const p = `it\\`s/b.jpeg`;', 'b.jpeg')?.text, 'it\\`s/b.jpeg');
  });

  test('a Markdown image or link target, and a bare token without its punctuation', () => {
    assert.equal(at('See ![cell](imgs/cell.png "a cell") here', 'imgs')?.text, 'imgs/cell.png');
    assert.equal(at('- the file images/b.jpeg.', 'b.jpeg')?.text, 'images/b.jpeg');
  });

  test('no image path under the cursor: null', () => {
    assert.equal(at('"notes.txt"', 'notes'), null);
    assert.equal(at('"a.png": 1', '1'), null);
    assert.equal(imagePathAt('', 0), null);
  });
});

describe('resolveImagePath', () => {
  const files = new Set([path.resolve('/ws/docs/a.png'), path.resolve('/ws/data/b.png'), path.resolve('/abs/c.png')]);
  const exists = (f: string) => files.has(f);

  test("relative paths: the document's folder first, then the workspace folders", () => {
    assert.equal(resolveImagePath('a.png', '/ws/docs', ['/ws'], exists), path.resolve('/ws/docs/a.png'));
    assert.equal(resolveImagePath('data/b.png', '/ws/docs', ['/ws'], exists), path.resolve('/ws/data/b.png'));
    assert.equal(resolveImagePath('data/b.png', null, ['/other', '/ws'], exists), path.resolve('/ws/data/b.png'));
  });

  test('absolute paths and file: URIs as they are; other schemes and missing files give null', () => {
    assert.equal(resolveImagePath(path.resolve('/abs/c.png'), '/ws', [], exists), path.resolve('/abs/c.png'));
    assert.equal(resolveImagePath(pathToFileURL(path.resolve('/abs/c.png')).href, '/ws', [], exists), path.resolve('/abs/c.png'));
    assert.equal(resolveImagePath('https://example.com/c.png', '/ws', ['/ws'], exists), null);
    assert.equal(resolveImagePath('missing.png', '/ws/docs', ['/ws'], exists), null);
  });
});

describe('hover markdown', () => {
  const result = {
    classNames: ['background', 'cell_[a]', 'edge'], classShares: [0.25, 0.75, 0], perClassIoU: [0.5, null, 1],
    gtSource: '/data/masks/x_1.png', sourceWidth: 512, sourceHeight: 256, width: 512, height: 256,
  } as unknown as PreviewResult;

  test('classes present: largest share first, absent ones left out', () => {
    assert.equal(classesPresent(result), 'cell_[a] 75.0% · background 25.0%');
  });

  test('title, thumbnail with its width, escaped classes, per-image mIoU and the open link', () => {
    const md = hoverMarkdown({ result, thumbnailUri: 'file:///tmp/cache/k (1)-t256.png', modelLabel: 'run_1 · best', openCommandUri: 'command:seglab.x?%5B%5D', width: 256 });
    const lines = md.split('\n').filter(Boolean);
    assert.deepEqual(lines, [
      '**SegLab prediction** · run\\_1 · best · 512×256',
      '![SegLab prediction overlay](file:///tmp/cache/k%20%281%29-t256.png|width=256)',
      'Classes: cell\\_\\[a\\] 75.0% · background 25.0%',
      // mean of the non-null IoUs (0.5 + 1) / 2
      'Per-image mIoU 0.7500 against x\\_1.png',
      '[Open SegLab Preview](command:seglab.x?%5B%5D)',
    ]);
  });

  test('without ground truth there is no mIoU line', () => {
    const md = hoverMarkdown({ result: { ...result, perClassIoU: null, gtSource: null }, thumbnailUri: 'file:///t.png', modelLabel: 'r', openCommandUri: null, width: 64 });
    assert.doesNotMatch(md, /mIoU/);
    assert.doesNotMatch(md, /Open SegLab Preview/);
  });

  test('thumbnailWidth: the longest side is the given side', () => {
    assert.equal(thumbnailWidth(1024, 512, 256), 256);
    assert.equal(thumbnailWidth(512, 1024, 256), 128);
    assert.equal(thumbnailWidth(64, 64, 256), 256);
  });

  test('escapeMarkdown escapes syntax characters only', () => {
    assert.equal(escapeMarkdown('a*b_c [d](e) #f |g <h> `i` 1.5-x'), 'a\\*b\\_c \\[d\\]\\(e\\) \\#f \\|g \\<h\\> \\`i\\` 1.5-x');
  });
});
