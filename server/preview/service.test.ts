// PreviewService with real predictor processes on the committed fixture run (cpu backend), plus fakes for the
// crash and concurrency cases.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { PreviewParams } from '../protocol';
import { UserFacingError } from '../train/errors';
import type { CachedPreview } from './cache';
import { PREVIEW_CACHE_DIR } from './cache';
import type { PredictorPool } from './pool';
import { PreviewService } from './service';
import { THUMBNAIL_ALPHA } from './thumbnail';
import { overlayMask } from '../export/overlay';
import { copyFixture, FixtureCopy, touchLater } from './testing';

describe('PreviewService (real predictor process)', () => {
  let fx: FixtureCopy;
  let service: PreviewService;
  let params: PreviewParams;
  before(() => {
    fx = copyFixture();
    service = new PreviewService({ backend: 'cpu', maxWorkers: 1 });
    params = { imagePath: fx.image, runDir: fx.runDir, checkpoint: 'best' };
  });
  after(() => {
    service.dispose();
    fx.cleanup();
  });

  test('a miss predicts and stores; the same request again is a cache hit with the same result', async () => {
    const first = await service.preview(params);
    assert.equal(first.cached, false);
    assert.ok(first.perClassIoU, 'the fixture image has a mask');
    const second = await service.preview(params);
    assert.equal(second.cached, true);
    const strip = (r: typeof first) => ({ ...r, seconds: 0, cached: false });
    assert.deepEqual(strip(second), strip(first));
    assert.equal(fs.readdirSync(path.join(fx.runDir, PREVIEW_CACHE_DIR)).filter((f) => f.endsWith('.json')).length, 1);
  });

  test('a rewritten checkpoint misses and is predicted by the same warm process', async () => {
    const pid = [...service.predictorPids.values()][0];
    touchLater(path.join(fx.runDir, 'best', 'weights.bin'));
    const r = await service.preview(params);
    assert.equal(r.cached, false);
    assert.deepEqual([...service.predictorPids.values()], [pid]);
  });

  test('writes an overlay thumbnail (longest side as asked) into the cache folder', async () => {
    for (const side of [32, 128]) {
      const r = await service.preview({ ...params, thumbnailSide: side });
      assert.ok(r.thumbnailPath?.startsWith(path.join(fx.runDir, PREVIEW_CACHE_DIR)));
      const meta = await sharp(r.thumbnailPath!).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['png', side, side], 'the 64×64 image shrunk or enlarged');
      if (side !== 128) continue;
      // Enlarged 2× with whole pixels: each 2×2 block is the exported-overlay colour of its image pixel.
      const thumb = await sharp(r.thumbnailPath!).removeAlpha().raw().toBuffer();
      const image = new Uint8Array(await sharp(Buffer.from(r.imagePng, 'base64')).removeAlpha().raw().toBuffer());
      const want = overlayMask({ width: 64, height: 64, data: image }, Buffer.from(r.pred, 'base64'), THUMBNAIL_ALPHA, r.ignoreIndex).data;
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          const t = ((2 * y + 1) * 128 + 2 * x + 1) * 3;
          assert.deepEqual([...thumb.subarray(t, t + 3)], [...want.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3)], `pixel (${x}, ${y})`);
        }
      }
    }
  });

  test('bad input is a user error naming the file or field and the fix', async () => {
    const broken = path.join(fx.root, 'broken.png');
    fs.writeFileSync(broken, 'not an image');
    const user = (re: RegExp) => (err: unknown) => err instanceof UserFacingError && re.test(err.message);
    await assert.rejects(service.preview({ ...params, imagePath: broken }), user(/broken\.png is not a readable image .*: convert it to PNG/));
    await assert.rejects(service.preview({ ...params, imagePath: path.join(fx.root, 'gone.png') }), user(/image file .*gone\.png does not exist: check the path/));
    await assert.rejects(service.preview({ ...params, checkpoint: 'middle' as 'best' }), user(/`checkpoint` "middle" must be 'best' or 'last'/));
    await assert.rejects(service.preview({ ...params, runDir: fx.root }), user(/is not a SegLab run folder \(no run\.json\)/));
    fs.rmSync(path.join(fx.runDir, 'last'), { recursive: true });
    await assert.rejects(service.preview({ ...params, checkpoint: 'last' }), user(/no 'last' checkpoint yet .*: pick 'best'/));
  });
});

describe('PreviewService (fake predictors)', () => {
  let fx: FixtureCopy;
  before(() => (fx = copyFixture()));
  after(() => fx.cleanup());

  test('a predictor that dies fails its request with a message, and the next request starts a fresh one', async () => {
    const worker = path.join(fx.root, 'dying-worker.js');
    fs.writeFileSync(worker, "process.on('message', (m) => m.type === 'init' ? process.send({ type: 'ready', backend: 'fake' }) : process.exit(3));\n");
    const service = new PreviewService({ workerPath: worker });
    try {
      const p = { imagePath: fx.image, runDir: fx.runDir, checkpoint: 'best' as const };
      await assert.rejects(service.preview(p), (e: unknown) => e instanceof UserFacingError && /the preview process for run \(best\) exited with code 3; the next preview starts a fresh one/.test(e.message));
      await assert.rejects(service.preview(p), /exited with code 3/);
    } finally {
      service.dispose();
    }
  });

  test('the same request twice at once is predicted once; cache: false neither reads nor writes the cache', async () => {
    let calls = 0;
    const fake = {
      predict: async (): Promise<CachedPreview> => {
        calls++;
        await new Promise((r) => setTimeout(r, 20));
        return { imagePng: '', pred: '', confidence: '', gt: null, gtSource: null } as unknown as CachedPreview;
      },
      dispose: () => undefined,
    } as unknown as PredictorPool;
    const service = new PreviewService({ pool: fake });
    const p = { imagePath: fx.image, runDir: fx.runDir, checkpoint: 'best' as const, cache: false };
    const [a, b] = await Promise.all([service.preview(p), service.preview(p)]);
    assert.equal(calls, 1);
    assert.equal(a.cached || b.cached, false);
    await service.preview(p);
    assert.equal(calls, 2, 'not served from the cache');
    assert.equal(fs.existsSync(path.join(fx.runDir, PREVIEW_CACHE_DIR)), false);
  });
});

test('the server side of previews does not load TensorFlow.js', () => {
  const script = `require(${JSON.stringify(path.join(__dirname, 'service.js'))}); process.stdout.write(String(Object.keys(require.cache).filter((k) => k.includes('@tensorflow')).length));`;
  assert.equal(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }), '0');
});
