/**
 * Test harness for the preview page outside VS Code: serves media/ and the page from previewHtml() over
 * http://127.0.0.1 (the real CSP applies, with the server's origin as cspSource). The fake VS Code API, themes and
 * message helpers are the dashboard harness's (test/dashboard/page.ts).
 */
import { makeNonce } from '../../extension/dashboardHtml';
import { previewHtml } from '../../extension/preview/previewHtml';
import { serveMediaPage } from '../dashboard/page';

export { applyTheme, CHROMIUM, fakeVsCodeApi, posted, send, texts } from '../dashboard/page';

/** The preview page over http (see serveMediaPage in test/dashboard/page.ts). */
export function servePreview(): Promise<{ origin: string; close: () => Promise<void> }> {
  return serveMediaPage((origin) => {
    const m = (f: string) => `${origin}/media/${f}`;
    return previewHtml({ cspSource: origin, nonce: makeNonce(), script: m('preview.js'), style: m('preview.css'), title: 'cells-15.png' });
  });
}
