import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { naturalSort } from './natural';

test('digit runs compare as numbers, text case-insensitively', () => {
  assert.deepEqual(naturalSort(['img10.png', 'img2.png', 'img1.png']), ['img1.png', 'img2.png', 'img10.png']);
  assert.deepEqual(naturalSort(['10', '9', '100', '1']), ['1', '9', '10', '100']);
  assert.deepEqual(naturalSort(['b1', 'A2', 'a1']), ['a1', 'A2', 'b1']);
  assert.deepEqual(naturalSort(['x1', 'x01']), ['x1', 'x01']);
  assert.deepEqual(naturalSort(['s2_t10', 's2_t9', 's10_t1']), ['s2_t9', 's2_t10', 's10_t1']);
});
