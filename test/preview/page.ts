/**
 * Test harness for the preview page outside VS Code: serves media/ and the page from previewHtml() over
 * http://127.0.0.1 (the real CSP applies, with the server's origin as cspSource). The fake VS Code API, themes and
 * message helpers are the dashboard harness's (test/dashboard/page.ts).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { makeNonce } from '../../extension/dashboardHtml';
import { previewHtml } from '../../extension/preview/previewHtml';
import { MEDIA_DIR } from './logic';

export { applyTheme, CHROMIUM, fakeVsCodeApi, posted, send, texts } from '../dashboard/page';

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css' };

/** Serves `/` (the page, a fresh nonce each load) and `/media/*`; resolves with the origin. */
export async function servePreview(): Promise<{ origin: string; close: () => Promise<void> }> {
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/') {
      const m = (f: string) => `${origin}/media/${f}`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(previewHtml({ cspSource: origin, nonce: makeNonce(), script: m('preview.js'), style: m('preview.css'), title: 'cells-15.png' }));
      return;
    }
    const file = path.normalize(path.join(MEDIA_DIR, decodeURIComponent(url.pathname.replace(/^\/media\//, ''))));
    if (!url.pathname.startsWith('/media/') || !file.startsWith(MEDIA_DIR + path.sep) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
