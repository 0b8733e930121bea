import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { attr, dashboardCsp, dashboardHtml, DashboardAssets, makeNonce } from './dashboardHtml';

const assets: DashboardAssets = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'bm9uY2Ut/w==',
  script: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/dashboard.js',
  style: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/dashboard.css',
  elements: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/vendor/vscode-elements.js',
  uplotJs: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/vendor/uPlot.iife.min.js',
  uplotCss: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/vendor/uPlot.min.css',
  codicons: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/vendor/codicon.css?a=1&b=2',
};

function cspOf(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, 'the page has a CSP meta tag');
  return m[1].replace(/&#39;|&quot;|&amp;/g, (e) => ({ '&#39;': "'", '&quot;': '"', '&amp;': '&' })[e]!);
}

test('the CSP allows nothing by default and scripts only with the nonce', () => {
  const csp = cspOf(dashboardHtml(assets));
  const directives = csp.split(';').map((d) => d.trim());
  assert.equal(directives[0], "default-src 'none'");
  assert.ok(directives.includes(`script-src 'nonce-${assets.nonce}'`), csp);
  assert.ok(directives.includes(`style-src ${assets.cspSource}`), csp);
  assert.ok(directives.includes(`font-src ${assets.cspSource}`), csp);
  assert.ok(directives.includes(`img-src ${assets.cspSource} data:`), csp);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*(?!\.)/);
  assert.equal(csp, dashboardCsp(assets.cspSource, assets.nonce));
});

test('every script tag carries the nonce and loads a given asset', () => {
  const html = dashboardHtml(assets);
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  assert.equal(scripts.length, 3);
  for (const s of scripts) {
    assert.match(s, new RegExp(`nonce="${assets.nonce.replace(/[+/=]/g, '\\$&')}"`));
    assert.match(s, /src="https:\/\/file\+\.vscode-resource/);
  }
  assert.doesNotMatch(html, /<script\b[^>]*>[^<]+<\/script>/, 'no inline script bodies');
  assert.doesNotMatch(html, /\sstyle="/, 'no inline style attributes (the CSP would block them)');
});

test('all asset URIs appear, attribute-escaped, and nothing comes from elsewhere', () => {
  const html = dashboardHtml(assets);
  for (const key of ['script', 'style', 'elements', 'uplotJs', 'uplotCss', 'codicons'] as const) {
    assert.ok(html.includes(`"${attr(assets[key])}"`), `${key} is referenced`);
  }
  assert.ok(html.includes('codicon.css?a=1&amp;b=2'), 'ampersands are escaped');
  assert.match(html, /<link rel="stylesheet" id="vscode-codicon-stylesheet" href=/);
  const urls = html.match(/(?:src|href)="[^"]*"/g) ?? [];
  assert.equal(urls.length, 6);
  for (const u of urls) assert.ok(u.includes(assets.cspSource), u);
});

test('the page has every element the script and the end-to-end test look up', () => {
  const html = dashboardHtml(assets);
  const ids = ['phase', 'backend', 'val-miou', 'batch-miou', 'per-class-table', 'confusion', 'samples', 'loss-chart',
    'epoch-chart', 'runs-table', 'compare-chart', 'opacity', 'legend', 'cmd-stop', 'cmd-resume', 'cmd-train', 'refresh-runs'];
  for (const id of ids) assert.equal(html.split(`id="${id}"`).length, 2, `exactly one #${id}`);
});

test('attr escapes quotes, angle brackets and ampersands', () => {
  assert.equal(attr('a"b<c>&d'), 'a&quot;b&lt;c&gt;&amp;d');
});

test('makeNonce gives 16 random bytes in base64, different each time', () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.notEqual(a, b);
  assert.equal(Buffer.from(a, 'base64').length, 16);
  assert.match(a, /^[A-Za-z0-9+/]{22}==$/);
});
