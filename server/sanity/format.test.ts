import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { SanityDiagnostic, SanityVerdict } from '../protocol';
import { abortedVerdict } from './outcome';
import { DEFAULT_SANITY } from './settings';
import { formatParams, formatSanityLens, shortMessage } from './format';

function verdict(over: Partial<SanityVerdict>): SanityVerdict {
  return { ...abortedVerdict('r', 'cancelled', '', DEFAULT_SANITY, '/m.ts', [], 1.43), ...over };
}

const warning: SanityDiagnostic = { file: '/m.ts', line: 1, column: 1, severity: 'warning', code: 'dead-layer', message: 'w' };
const error = (message: string): SanityDiagnostic => ({ ...warning, severity: 'error', code: 'output-shape', message });

test('formatParams: M with two decimals, k with one, plain below 1000', () => {
  assert.equal(formatParams(1_942_306), '1.94 M');
  assert.equal(formatParams(482_466), '482.5 k');
  assert.equal(formatParams(999), '999');
});

test('a passed verdict: time, trainable params, first and last loss, warnings', () => {
  const v = verdict({ status: 'passed', params: { trainable: 1_942_306, nonTrainable: 2944 }, losses: [0.6931, 0.5, 0.4149] });
  assert.equal(formatSanityLens(v), '✓ sanity 1.4 s · 1.94 M params · loss 0.69 → 0.41');
  assert.equal(formatSanityLens({ ...v, diagnostics: [warning] }), '✓ sanity 1.4 s · 1.94 M params · loss 0.69 → 0.41 · 1 warning');
});

test('a failed verdict: the first sentence of the message, cut to length, and the error count', () => {
  const v = verdict({ status: 'failed', message: 'the output is wrong. Fix it.', diagnostics: [error('a'), error('b')] });
  assert.equal(formatSanityLens(v), '✗ sanity 1.4 s · 2 errors · the output is wrong');
  assert.equal(shortMessage('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
});

test('stopped runs say why', () => {
  assert.equal(formatSanityLens(verdict({ status: 'timeout', message: 'failed: exceeded 30 s' })), '✗ sanity failed: exceeded 30 s');
  assert.equal(formatSanityLens(verdict({ status: 'oom' })), '✗ sanity ran out of memory');
  assert.equal(formatSanityLens(verdict({ status: 'crashed', message: 'crashed: the sanity worker exited with code 3' })), '✗ sanity crashed: the sanity worker exited with code 3');
  assert.equal(formatSanityLens(verdict({})), '… sanity cancelled');
});
