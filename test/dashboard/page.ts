/**
 * Test harness for the dashboard page outside VS Code: serves media/ and the page from dashboardHtml() over
 * http://127.0.0.1 (so the real CSP applies with the server's origin as cspSource), a fake `acquireVsCodeApi`
 * whose state survives reloads (sessionStorage), and VS Code-like theme variables.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { dashboardHtml, makeNonce } from '../../extension/dashboardHtml';
import { MEDIA_DIR, ROOT } from './fixture';

export const CHROMIUM = '/usr/bin/chromium';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.ttf': 'font/ttf',
  '.png': 'image/png',
};

/** Copies the vendor assets (media/vendor/ is a build output) when they are missing. */
export function ensureVendor(): void {
  if (fs.existsSync(path.join(MEDIA_DIR, 'vendor', 'uPlot.iife.min.js'))) return;
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'vendor.js')], { stdio: 'inherit' });
}

/**
 * Serves `/` (the page built by `html` for the server's origin, a fresh nonce each load) and `/media/*`; resolves
 * with the origin. Used for every webview page (dashboard, preview).
 */
export async function serveMediaPage(html: (origin: string) => string): Promise<{ origin: string; close: () => Promise<void> }> {
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html(origin));
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

/** The dashboard page over http (see {@link serveMediaPage}). */
export function serveDashboard(): Promise<{ origin: string; close: () => Promise<void> }> {
  return serveMediaPage((origin) => {
    const m = (f: string) => `${origin}/media/${f}`;
    return dashboardHtml({
      cspSource: origin, nonce: makeNonce(), script: m('dashboard.js'), style: m('dashboard.css'),
      elements: m('vendor/vscode-elements.js'), uplotJs: m('vendor/uPlot.iife.min.js'),
      uplotCss: m('vendor/uPlot.min.css'), codicons: m('vendor/codicon.css'),
    });
  });
}

/**
 * Runs in the page before its scripts: the fake VS Code API (records postMessage, keeps get/setState in
 * sessionStorage so a reload restores it like VS Code's serializer does) and a CSP-violation log.
 */
export function fakeVsCodeApi(): void {
  const w = globalThis as any;
  w.__posted = [];
  w.__cspViolations = [];
  w.__acquired = 0;
  w.document.addEventListener('securitypolicyviolation', (e: any) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  w.acquireVsCodeApi = () => {
    if (++w.__acquired > 1) throw new Error('acquireVsCodeApi was called twice');
    return {
      postMessage: (m: unknown) => w.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => {
        const s = w.sessionStorage.getItem('vscode-state');
        return s === null ? undefined : JSON.parse(s);
      },
      setState: (s: unknown) => {
        w.sessionStorage.setItem('vscode-state', JSON.stringify(s));
        return s;
      },
    };
  };
}

/** A subset of the variables VS Code sets on <html> for its Dark Modern and Light Modern themes. */
export const THEMES = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif', '--vscode-font-size': '13px',
      '--vscode-editor-background': '#1f1f1f', '--vscode-editor-foreground': '#cccccc', '--vscode-foreground': '#cccccc',
      '--vscode-descriptionForeground': '#9d9d9d', '--vscode-panel-border': '#2b2b2b', '--vscode-editorWidget-border': '#454545',
      '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7', '--vscode-errorForeground': '#f85149', '--vscode-badge-background': '#616161',
      '--vscode-badge-foreground': '#f8f8f8', '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff',
      '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-button-hoverBackground': '#026ec1', '--vscode-list-hoverBackground': '#2a2d2e',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif', '--vscode-font-size': '13px',
      '--vscode-editor-background': '#ffffff', '--vscode-editor-foreground': '#3b3b3b', '--vscode-foreground': '#3b3b3b',
      '--vscode-descriptionForeground': '#717171', '--vscode-panel-border': '#e5e5e5', '--vscode-editorWidget-border': '#c8c8c8',
      '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#388a34',
      '--vscode-charts-purple': '#652d90', '--vscode-errorForeground': '#e51400', '--vscode-badge-background': '#cccccc',
      '--vscode-badge-foreground': '#3b3b3b', '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff',
      '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-button-hoverBackground': '#0258a8', '--vscode-list-hoverBackground': '#f2f2f2',
    },
  },
} as const;

/** Applies a theme the way VS Code does: variables on <html>, a class on <body>. */
export async function applyTheme(page: Page, theme: keyof typeof THEMES): Promise<void> {
  await page.evaluate((t) => {
    const d = (globalThis as any).document;
    d.documentElement.removeAttribute('style');
    for (const [k, v] of Object.entries(t.vars)) d.documentElement.style.setProperty(k, v);
    d.body.className = t.bodyClass;
  }, THEMES[theme]);
}

/** Sends a message to the page as the extension would (webview.postMessage arrives as a window message). */
export async function send(page: Page, message: unknown): Promise<void> {
  await page.evaluate((m) => (globalThis as any).postMessage(m, '*'), message);
}

/** What the page posted to the extension since it loaded. */
export async function posted(page: Page): Promise<unknown[]> {
  return page.evaluate(() => (globalThis as any).__posted as unknown[]);
}

/** RGBA bytes of every canvas of every `#samples .sample`, by sample then canvas. */
export async function samplePixels(page: Page): Promise<number[][][]> {
  return page.$$eval('#samples .sample', (figs) =>
    figs.map((f: any) => [...f.querySelectorAll('canvas')].map((c: any) => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data as ArrayLike<number>))),
  );
}

/** Texts of a selector's elements. */
export async function texts(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) => els.map((e: any) => String(e.textContent).trim()));
}
