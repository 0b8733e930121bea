// @ts-check
/**
 * Browser side of the end-to-end harness: Debian's Chromium driven by playwright-core, the command palette with
 * its retry loop, the extension's webview frames, the status bar, and a polling `waitFor` whose failures say what
 * was last seen.
 */
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { sleep } from './codeServer.mjs';

export const CHROMIUM = process.env.SEGLAB_E2E_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Launches Chromium on a fresh profile inside RUN and opens the workbench on `workspace`.
 * @param {{runDir: string, url: string, workspace: string}} o
 */
export async function openWorkbench({ runDir, url, workspace }) {
  const context = await chromium.launchPersistentContext(path.join(runDir, 'chromium'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  /** @type {string[]} */
  const consoleErrors = [];
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text().slice(0, 500));
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message.slice(0, 500)}`));
  try {
    await page.goto(`${url}?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
  } catch (e) {
    await page.screenshot({ path: path.join(runDir, 'workbench-failure.png') }).catch(() => undefined);
    await context.close().catch(() => undefined);
    throw new Error(`the workbench did not load: ${/** @type {Error} */ (e).message.split('\n')[0]}`);
  }
  return { context, page, consoleErrors };
}

/**
 * Polls `probe` until it returns a truthy value, and returns that value. A probe that throws (frame not there yet,
 * detached while reloading) counts as "not yet". On timeout the error names the wait and the last value seen.
 * @template T
 * @param {string} what @param {() => Promise<T>} probe @param {number} timeoutMs @param {number} [intervalMs]
 * @returns {Promise<NonNullable<T>>}
 */
export async function waitFor(what, probe, timeoutMs, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  /** @type {unknown} */
  let last;
  for (;;) {
    try {
      const v = await probe();
      if (v) return /** @type {NonNullable<T>} */ (v);
      last = v;
    } catch (e) {
      last = `error: ${/** @type {Error} */ (e).message.split('\n')[0]}`;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (last seen: ${JSON.stringify(last)})`);
    await sleep(intervalMs);
  }
}

/** @param {string} title */
function typedPart(title) {
  return title.replace(/…$/, ''); // match without the ellipsis: typing "…" relies on IME-style insertion
}

/**
 * Runs a palette command by its title ("SegLab: Train"). The palette snapshots the command list when it opens, so
 * an extension whose commands register a moment later shows "No matching commands" for good: open, type, wait up
 * to 2 s for a matching row, else Escape and try again, for up to `timeoutMs`.
 * @param {import('playwright-core').Page} page @param {string} title @param {number} [timeoutMs]
 */
export async function runCommand(page, title, timeoutMs = 60_000) {
  const text = typedPart(title);
  const widget = page.locator('.quick-input-widget');
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  while (Date.now() < deadline) {
    attempts++;
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    try {
      await widget.locator('input').waitFor({ state: 'visible', timeout: 3000 });
      await widget.locator('input').fill(`>${text}`);
      const row = widget.locator('.monaco-list-row', { hasText: text }).first();
      await row.waitFor({ state: 'visible', timeout: 2000 });
      await row.click();
      await widget.waitFor({ state: 'hidden', timeout: 3000 }).catch(() => undefined); // a quick pick may follow
      return attempts;
    } catch {
      await page.keyboard.press('Escape');
      await sleep(500);
    }
  }
  throw new Error(`command palette: no "${title}" after ${attempts} attempts in ${timeoutMs / 1000} s (are the extension's commands registered?)`);
}

/**
 * Waits for a quick pick with a row containing `text` and accepts its first row with Enter.
 * @param {import('playwright-core').Page} page @param {string} text @param {number} [timeoutMs]
 */
export async function acceptFirstQuickPickItem(page, text, timeoutMs = 30_000) {
  const widget = page.locator('.quick-input-widget');
  await widget.locator('.monaco-list-row', { hasText: text }).first().waitFor({ state: 'visible', timeout: timeoutMs });
  const first = widget.locator('.monaco-list-row').first();
  const label = (await first.getAttribute('aria-label')) ?? (await first.innerText());
  await widget.locator('input').press('Enter');
  return label.replace(/\s+/g, ' ').trim();
}

/**
 * The extension's webview content: outer `iframe.webview.ready` for the extension id, inner `#active-frame`.
 * @param {import('playwright-core').Page} page @param {string} extensionId
 */
export function webview(page, extensionId) {
  return page
    .frameLocator(`iframe.webview.ready[src*="extensionId=${extensionId}"]`)
    .first()
    .frameLocator('iframe#active-frame');
}

/**
 * Text of the first status bar item containing `prefix`, or '' when there is none.
 * @param {import('playwright-core').Page} page @param {string} prefix
 */
export async function statusBarText(page, prefix) {
  const item = page.locator('.statusbar-item', { hasText: prefix }).first();
  if ((await item.count()) === 0) return '';
  return (await item.innerText({ timeout: 1000 })).replace(/\s+/g, ' ').trim();
}
