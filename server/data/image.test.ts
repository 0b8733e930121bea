import { describe, test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readImage, readMask, writePng, pngPalette, convertChannels } from './image';
import { encodeBmp } from './bmp';
import { floatTiffFile, palettePngFile, png16File, pngFile, tempDir } from './fixtures';

const { dir, cleanup } = tempDir();
after(cleanup);
const f = (name: string) => path.join(dir, name);

describe('readImage', () => {
  test('gray PNG keeps values and converts to RGB on request', async () => {
    await pngFile(f('g.png'), Uint8Array.from([0, 10, 200, 255]), 2, 2, 1);
    const gray = await readImage(f('g.png'));
    assert.equal(gray.channels, 1);
    assert.deepEqual(Array.from(gray.data), [0, 10, 200, 255]);
    assert.equal(gray.source.depth, 'uchar');
    assert.equal(gray.source.conversion, 'none');
    const rgb = await readImage(f('g.png'), { channels: 3 });
    assert.deepEqual(Array.from(rgb.data), [0, 0, 0, 10, 10, 10, 200, 200, 200, 255, 255, 255]);
  });

  test('RGB to gray uses 0.299/0.587/0.114 and RGBA drops alpha', async () => {
    await pngFile(f('c.png'), Uint8Array.from([100, 0, 0, 9, 0, 200, 0, 9]), 2, 1, 4);
    const img = await readImage(f('c.png'));
    assert.equal(img.channels, 3);
    assert.deepEqual(Array.from(img.data), [100, 0, 0, 0, 200, 0]);
    assert.ok(img.source.hasAlpha);
    const gray = await readImage(f('c.png'), { channels: 1 });
    assert.deepEqual(Array.from(gray.data), [Math.round(29.9), Math.round(117.4)]);
  });

  test('16-bit PNG is detected and divided by 257', async () => {
    await png16File(f('g16.png'), Uint16Array.from([0, 257, 65535, 1000]), 2, 2);
    const img = await readImage(f('g16.png'));
    assert.equal(img.source.depth, 'ushort');
    assert.equal(img.source.conversion, 'scaled16');
    assert.equal(img.source.max, 65535);
    assert.deepEqual(Array.from(img.data), [0, 1, 255, Math.round(1000 / 257)]);
  });

  test('float TIFF in [0, 1] is multiplied by 255; in [0, 255] rounded', async () => {
    floatTiffFile(f('f01.tif'), Float32Array.from([0, 0.5, 1, 0.25]), 2, 2, 1);
    const unit = await readImage(f('f01.tif'));
    assert.equal(unit.source.depth, 'float');
    assert.equal(unit.source.conversion, 'float01');
    assert.deepEqual(Array.from(unit.data), [0, 128, 255, 64]);
    floatTiffFile(f('f255.tif'), Float32Array.from([0, 10.4, 200, 255, 3, 4]), 2, 1, 3);
    const byte = await readImage(f('f255.tif'));
    assert.equal(byte.source.conversion, 'float255');
    assert.equal(byte.channels, 3);
    assert.deepEqual(Array.from(byte.data), [0, 10, 200, 255, 3, 4]);
  });

  test('24-bit and 8-bit BMPs are read', async () => {
    writeFileSync(f('c.bmp'), encodeBmp(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 3, 1, 3));
    const rgb = await readImage(f('c.bmp'));
    assert.deepEqual(Array.from(rgb.data), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    writeFileSync(f('g.bmp'), encodeBmp(Uint8Array.from([7, 8, 9, 10]), 2, 2, 1));
    const gray = await readImage(f('g.bmp'));
    assert.equal(gray.channels, 1);
    assert.deepEqual(Array.from(gray.data), [7, 8, 9, 10]);
  });

  test('missing and unreadable files name the file and the fix', async () => {
    await assert.rejects(readImage(f('nope.png')), { name: 'DataError', message: /nope\.png does not exist: check the path/ });
    writeFileSync(f('junk.png'), 'not an image');
    await assert.rejects(readImage(f('junk.png')), /junk\.png is not a readable image .*convert it to PNG/);
  });
});

describe('readMask', () => {
  test('gray mask values and RGB masks with equal channels', async () => {
    await pngFile(f('m.png'), Uint8Array.from([0, 1, 255, 2]), 2, 2, 1);
    assert.deepEqual(Array.from((await readMask(f('m.png'))).data), [0, 1, 255, 2]);
    await pngFile(f('m3.png'), Uint8Array.from([3, 3, 3, 0, 0, 0]), 2, 1, 3);
    assert.deepEqual(Array.from((await readMask(f('m3.png'))).data), [3, 0]);
  });

  test('colour masks are rejected with the pixel position', async () => {
    await pngFile(f('bad.png'), Uint8Array.from([3, 3, 3, 0, 9, 0]), 2, 1, 3);
    await assert.rejects(readMask(f('bad.png')), /mask .*bad\.png is a colour image \(pixel \(1, 0\) is \(0, 9, 0\)\)/);
  });

  test('palette PNG gives palette indices', async () => {
    const colours = [[200, 10, 10], [10, 200, 10], [10, 10, 200]];
    const order = [2, 0, 1, 2];
    const rgb = Uint8Array.from(order.flatMap((k) => colours[k]));
    await palettePngFile(f('p.png'), rgb, 2, 2);
    const m = await readMask(f('p.png'));
    assert.ok(m.source.isPalette);
    const pal = pngPalette(readFileSync(f('p.png'))) as Uint8Array;
    const expected = order.map((k) => {
      for (let i = 0; i < pal.length / 3; i++) if (pal[i * 3] === colours[k][0] && pal[i * 3 + 1] === colours[k][1] && pal[i * 3 + 2] === colours[k][2]) return i;
      return -1;
    });
    assert.ok(!expected.includes(-1));
    assert.equal(new Set(expected).size, 3);
    assert.deepEqual(Array.from(m.data), expected);
  });

  test('16-bit masks keep their values; values over 255 are an error', async () => {
    await png16File(f('m16.png'), Uint16Array.from([0, 1, 2, 255]), 2, 2);
    assert.deepEqual(Array.from((await readMask(f('m16.png'))).data), [0, 1, 2, 255]);
    await png16File(f('m16b.png'), Uint16Array.from([0, 1, 2, 300]), 2, 2);
    await assert.rejects(readMask(f('m16b.png')), /m16b\.png is ushort and holds the value 300/);
  });

  test('8-bit BMP masks give indices', async () => {
    writeFileSync(f('m.bmp'), encodeBmp(Uint8Array.from([0, 1, 2, 255, 1, 0]), 3, 2, 1));
    assert.deepEqual(Array.from((await readMask(f('m.bmp'))).data), [0, 1, 2, 255, 1, 0]);
  });
});

describe('writePng', () => {
  test('round trips gray and RGB and leaves no temporary file', async () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    await writePng(f('out/w.png'), data, 3, 2, 1);
    assert.deepEqual(Array.from((await readImage(f('out/w.png'))).data), Array.from(data));
    await writePng(f('out/w3.png'), data, 2, 1, 3);
    const back = await readImage(f('out/w3.png'));
    assert.equal(back.channels, 3);
    assert.deepEqual(Array.from(back.data), Array.from(data));
    assert.deepEqual(readdirSync(f('out')).sort(), ['w.png', 'w3.png']);
  });

  test('wrong data length is an error', async () => {
    await assert.rejects(writePng(f('x.png'), new Uint8Array(5), 3, 2, 1), /expected 3x2x1 = 6 values, got 5/);
  });
});

test('convertChannels gray -> RGB -> gray is the identity', () => {
  const g = Uint8Array.from([0, 17, 255]);
  assert.deepEqual(Array.from(convertChannels(convertChannels(g, g.length, 1, 3), g.length, 3, 1)), [0, 17, 255]);
});
