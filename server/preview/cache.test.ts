import { afterEach, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CachedPreview, PreviewCache, PreviewKeyParts, previewKey, PREVIEW_CACHE_DIR } from './cache';

const PARTS: PreviewKeyParts = {
  imagePath: '/data/a.png', imageStamp: '10:1', runDir: '/runs/r', checkpoint: 'best', checkpointStamp: 'model.json=5:1',
  configStamp: '3:1', mode: 'auto', maxSide: 1024,
};

function result(gtSource: string | null, tag = 'x'): CachedPreview {
  return {
    imagePath: '/data/a.png', runDir: '/runs/r', checkpoint: 'best', width: 1, height: 1, sourceWidth: 1, sourceHeight: 1,
    imagePng: tag, pred: 'AA==', confidence: '/w==', classNames: ['bg', 'fg'], palette: [[0, 0, 0], [128, 0, 0]], ignoreIndex: 255,
    gt: gtSource ? 'AA==' : null, gtSource, gtProblem: null, perClassIoU: gtSource ? [1, null] : null, classShares: [1, 0], mode: 'whole', backend: 'cpu',
  };
}

describe('previewKey', () => {
  test('changes when any part changes, and only then', () => {
    const base = previewKey(PARTS);
    assert.equal(previewKey({ ...PARTS }), base);
    assert.match(base, /^[0-9a-f]{40}$/);
    const changed: Partial<PreviewKeyParts>[] = [
      { imagePath: '/data/b.png' }, { imageStamp: '10:2' }, { runDir: '/runs/s' }, { checkpoint: 'last' },
      { checkpointStamp: 'model.json=5:2' }, { configStamp: '3:2' }, { mode: 'slide' }, { maxSide: 512 },
    ];
    const keys = changed.map((c) => previewKey({ ...PARTS, ...c }));
    for (const k of keys) assert.notEqual(k, base);
    assert.equal(new Set(keys).size, keys.length);
  });
});

describe('PreviewCache', () => {
  let runDir: string;
  beforeEach(() => (runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-cache-'))));
  afterEach(() => fs.rmSync(runDir, { recursive: true, force: true }));

  test('a miss, then a hit with the stored result, under <runDir>/.preview-cache', () => {
    const cache = new PreviewCache();
    const key = previewKey(PARTS);
    assert.equal(cache.get(runDir, key), null);
    cache.put(runDir, key, result(null));
    assert.deepEqual(cache.get(runDir, key), result(null));
    assert.ok(fs.existsSync(path.join(runDir, PREVIEW_CACHE_DIR, `${key}.json`)));
    assert.equal(cache.get(runDir, previewKey({ ...PARTS, checkpointStamp: 'model.json=6:9' })), null, 'a new checkpoint misses');
  });

  test('a hit is dropped when its ground-truth file changed', () => {
    const cache = new PreviewCache();
    const mask = path.join(runDir, 'mask.png');
    fs.writeFileSync(mask, 'v1');
    const key = previewKey(PARTS);
    cache.put(runDir, key, result(mask));
    assert.notEqual(cache.get(runDir, key), null);
    fs.writeFileSync(mask, 'version 2');
    assert.equal(cache.get(runDir, key), null);
    assert.equal(cache.keys(runDir).length, 0, 'the stale entry is deleted');
  });

  test('an unreadable entry is a miss', () => {
    const cache = new PreviewCache();
    const key = previewKey(PARTS);
    fs.mkdirSync(path.join(runDir, PREVIEW_CACHE_DIR));
    fs.writeFileSync(path.join(runDir, PREVIEW_CACHE_DIR, `${key}.json`), '{ not json');
    assert.equal(cache.get(runDir, key), null);
  });

  test('keeps the newest maxEntries results and their thumbnails', () => {
    const cache = new PreviewCache(2);
    const keys = [1, 2, 3].map((i) => previewKey({ ...PARTS, maxSide: 100 + i }));
    keys.forEach((k, i) => {
      cache.put(runDir, k, result(null, String(i)));
      fs.writeFileSync(cache.thumbnailFile(runDir, k, 64), 'png');
      const t = new Date(Date.UTC(2024, 0, 1, 0, 0, i));
      fs.utimesSync(path.join(runDir, PREVIEW_CACHE_DIR, `${k}.json`), t, t);
    });
    cache.put(runDir, keys[2], result(null, '2')); // rewrite the newest: prunes the oldest
    assert.deepEqual(new Set(cache.keys(runDir)), new Set([keys[1], keys[2]]));
    assert.equal(fs.existsSync(cache.thumbnailFile(runDir, keys[0], 64)), false);
    assert.equal(fs.existsSync(cache.thumbnailFile(runDir, keys[1], 64)), true);
  });
});
