// @ts-check
/**
 * The hot-sanity end-to-end scenario (issue 4) in a real VS Code (code-server): a workspace whose seglab.json names
 * a hand-written U-Net (`model.module`); open the module, see the CodeLens above `build` say "✓ sanity"; retype the
 * decoder's concatenation so it joins the skip with the un-upsampled map, save, and see a 'SegLab sanity' diagnostic
 * in the Problems panel at that line plus "✗ sanity" in the CodeLens; retype the original line, save, and see the
 * diagnostic clear and "✓ sanity" again. Every expected value is derived from the module's text (see shapeBug).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, sleep } from './lib/codeServer.mjs';
import { runCommand, waitFor } from './lib/workbench.mjs';

/** The example module and where the workspace gets its copy. */
export const EXAMPLE_MODULE = path.join(REPO_ROOT, 'examples', 'models', 'unet.ts');
export const MODULE_REL = 'models/unet.ts';

/** Sanity run: 64x64, batch 2, 3 steps on 4 synthetic cells; training settings are never used here. */
export const SANITY_SEGLAB_JSON = {
  data: { type: 'synthetic', kind: 'cells', trainCount: 4, valCount: 2, size: 64, seed: 1 },
  input: { size: 64 },
  model: { module: MODULE_REL },
  sanity: { size: 64, batchSize: 2, steps: 3, timeBudgetSeconds: 60 },
  output: { runsDir: 'runs', name: 'e2e-sanity' },
};

/** Timeouts (ms). The first verdict pays the sanity worker's start (tfjs, backend, warm-up) beside VS Code's own. */
const T = { firstVerdict: 180_000, verdict: 90_000, problems: 30_000 };

/** The example's type-only import of the repo's context types, which a standalone workspace does not have. */
const CONTEXT_IMPORT = /^import type \{ ModelContext \} from '[^']*server\/sanity\/context';$/m;
/** What the module uses of ctx, declared locally (esbuild strips types; this keeps the file self-contained). */
const LOCAL_CONTEXT = 'type ModelContext = { readonly inputShape: (number | null)[]; readonly classes: number };';

/** The example module's text with its repo-relative type import replaced by a local type. */
export function standaloneModule(source = fs.readFileSync(EXAMPLE_MODULE, 'utf8')) {
  if (!CONTEXT_IMPORT.test(source)) throw new Error(`${EXAMPLE_MODULE}: no "import type { ModelContext } from '…/server/sanity/context'" line to replace`);
  return source.replace(CONTEXT_IMPORT, LOCAL_CONTEXT);
}

/** @param {string} workspace */
export function writeSanityWorkspace(workspace) {
  fs.mkdirSync(path.join(workspace, path.dirname(MODULE_REL)), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'seglab.json'), JSON.stringify(SANITY_SEGLAB_JSON, null, 2) + '\n');
  fs.writeFileSync(path.join(workspace, MODULE_REL), standaloneModule());
}

/**
 * The shape bug, computed from the module's text: the decoder's first Concatenate gets the map *before* its 2x
 * up-convolution (`x`) instead of `up`. Encoder level L (0-based) ends in `enc{L+1}_relu2` at size/2^L with WIDTHS[L]
 * filters; the bottleneck runs at size/2^(levels) with the last width; the decoder starts at the deepest skip,
 * L = levels - 1, whose Concatenate is `cat{L+1}`. So it joins `enc{L+1}_relu2` [N,s,s,WIDTHS[L]] with
 * `bottleneck_relu2` [N,s/2,s/2,WIDTHS[levels]], and the diagnostic sits on the concatenate line.
 * @param {string} text module source @param {number} size sanity input size
 */
export function shapeBug(text, size) {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => /tf\.layers\.concatenate\(/.test(l) && l.includes('[skips[level], up]'));
  if (index < 0) throw new Error(`${MODULE_REL}: no "tf.layers.concatenate(…).apply([skips[level], up])" line to break`);
  const widths = /const WIDTHS = \[([\d,\s]+)\]/.exec(text);
  if (!widths) throw new Error(`${MODULE_REL}: no "const WIDTHS = [...]" to compute the expected shapes from`);
  const w = widths[1].split(',').map(Number);
  const levels = w.length - 1;
  const L = levels - 1;
  const skip = `'enc${L + 1}_relu2' [N,${size / 2 ** L},${size / 2 ** L},${w[L]}]`;
  const deep = `'bottleneck_relu2' [N,${size / 2 ** levels},${size / 2 ** levels},${w[levels]}]`;
  const original = lines[index];
  return {
    /** 1-based line of the concatenation. */
    line: index + 1,
    original,
    broken: original.replace('[skips[level], up]', '[skips[level], x]'),
    message: `Concatenate 'cat${L + 1}' cannot join ${skip} and ${deep}`,
    /** The CodeLens shows the message's first sentence cut to 90 characters: this much of it always fits. */
    lensMessage: `Concatenate 'cat${L + 1}' cannot join`,
  };
}

/** @param {string} text @returns {number} 1-based line of `export function build` */
function buildLineOf(text) {
  const i = text.split('\n').findIndex((l) => /^export function build\b/.test(l));
  if (i < 0) throw new Error(`${MODULE_REL}: no "export function build" line`);
  return i + 1;
}

/** @param {import('playwright-core').Page} page */
const editor = (page) => page.locator('.editor-group-container.active .monaco-editor').first();

/** Text of the SegLab CodeLens line (all its lenses) in the active editor, or ''. */
async function lensText(/** @type {import('playwright-core').Page} */ page) {
  const lens = editor(page).locator('.codelens-decoration', { hasText: 'sanity' }).first();
  if ((await lens.count()) === 0) return '';
  return (await lens.innerText({ timeout: 1000 })).replace(/\s+/g, ' ').trim();
}

/**
 * Moves the cursor to `line` with Go to Line (Ctrl+G), which also scrolls it into view (CodeLenses render only
 * for visible lines).
 * @param {import('playwright-core').Page} page @param {number} line
 */
async function goToLine(page, line) {
  const input = page.locator('.quick-input-widget input');
  await page.keyboard.press('Control+G');
  await input.waitFor({ state: 'visible', timeout: 5000 });
  await page.keyboard.type(String(line));
  await sleep(200);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5000 });
  await waitFor('the editor to have focus after Go to Line', async () => (await editor(page).getAttribute('class'))?.includes('focused'), 5000);
}

/**
 * Retypes line `line` (Home goes to its first non-blank, so only the indentation is kept) and saves with Ctrl+S;
 * waits until the file on disk has the new line.
 * @param {import('playwright-core').Page} page @param {string} file @param {number} line @param {string} text
 */
async function retypeLine(page, file, line, text) {
  await goToLine(page, line);
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+End');
  await page.keyboard.type(text.trimStart());
  await page.keyboard.press('Control+S');
  await waitFor(`${MODULE_REL} line ${line} saved as typed`, async () => fs.readFileSync(file, 'utf8').split('\n')[line - 1] === text, 10_000);
}

/** Opens a file by name with Quick Open (Ctrl+P), retrying while the file index is not ready. */
async function quickOpen(/** @type {import('playwright-core').Page} */ page, /** @type {string} */ name) {
  const widget = page.locator('.quick-input-widget');
  await waitFor(`Quick Open to list ${name}`, async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    await widget.locator('input').waitFor({ state: 'visible', timeout: 3000 });
    await widget.locator('input').fill(name);
    const row = widget.locator('.monaco-list-row', { hasText: name }).first();
    await row.waitFor({ state: 'visible', timeout: 3000 });
    await page.keyboard.press('Enter');
    return true;
  }, 30_000, 500);
  await waitFor(`an editor tab for ${name}`, async () => (await page.locator('.tab.active', { hasText: name }).count()) > 0, 15_000);
}

/** Rows of the Problems panel from SegLab's sanity diagnostics, as text. */
async function sanityProblems(/** @type {import('playwright-core').Page} */ page) {
  const rows = page.locator('.markers-panel .monaco-list-row', { hasText: 'SegLab sanity' });
  const out = [];
  for (let i = 0; i < (await rows.count()); i++) out.push((await rows.nth(i).innerText({ timeout: 1000 })).replace(/\s+/g, ' ').trim());
  return out;
}

/** Shows the Problems panel (Ctrl+Shift+M toggles it, so only when it is not visible). */
async function showProblems(/** @type {import('playwright-core').Page} */ page) {
  const panel = page.locator('.markers-panel');
  if (await panel.isVisible()) return;
  await page.keyboard.press('Control+Shift+M');
  try {
    await panel.waitFor({ state: 'visible', timeout: 5000 });
  } catch {
    await runCommand(page, 'Problems: Focus on Problems View');
    await panel.waitFor({ state: 'visible', timeout: 10_000 });
  }
}

/**
 * @param {{page: import('playwright-core').Page, workspace: string, resultsDir: string, suffix: string,
 *   log: (msg: string) => void}} o
 */
export async function sanityDiagnostics({ page, workspace, resultsDir, suffix, log }) {
  const file = path.join(workspace, MODULE_REL);
  const text = fs.readFileSync(file, 'utf8');
  const bug = shapeBug(text, SANITY_SEGLAB_JSON.sanity.size);
  const buildLine = buildLineOf(text);
  const lensIs = (/** @type {RegExp} */ re) => async () => {
    const t = await lensText(page);
    return re.test(t) ? t : null;
  };

  await quickOpen(page, path.basename(MODULE_REL));
  await goToLine(page, buildLine);
  log(`opened ${MODULE_REL}; waiting for the first verdict above build (line ${buildLine})`);
  let lens = await waitFor('the CodeLens "✓ sanity" above build', lensIs(/✓ sanity/), T.firstVerdict, 500);
  log(`lens: ${lens}`);

  await retypeLine(page, file, bug.line, bug.broken);
  log(`saved the shape bug on line ${bug.line}: ${bug.broken.trim()}`);
  await showProblems(page);
  const rows = await waitFor('a SegLab sanity row in the Problems panel', async () => {
    const r = await sanityProblems(page);
    return r.length > 0 ? r : null;
  }, T.verdict, 500);
  const row = rows.find((r) => r.includes(bug.message));
  if (!row) throw new Error(`no Problems row says "${bug.message}"; rows: ${JSON.stringify(rows)}`);
  const at = /\[Ln (\d+), Col (\d+)\]/.exec(row);
  if (!at || Number(at[1]) !== bug.line) throw new Error(`the diagnostic is at ${at ? `line ${at[1]}` : 'no [Ln, Col]'}, expected line ${bug.line}: ${row}`);
  log(`Problems: ${row}`);
  await goToLine(page, buildLine);
  lens = await waitFor('the CodeLens "✗ sanity"', lensIs(/✗ sanity/), T.problems, 500);
  if (!lens.includes(bug.lensMessage)) throw new Error(`the ✗ CodeLens does not name the problem "${bug.lensMessage}": ${lens}`);
  log(`lens: ${lens}`);
  await goToLine(page, Math.round((buildLine + bug.line) / 2)); // the lens and the squiggled line both in view, if they fit
  await page.screenshot({ path: path.join(resultsDir, `e2e-sanity-broken${suffix}.png`) });

  await retypeLine(page, file, bug.line, bug.original);
  if (fs.readFileSync(file, 'utf8') !== text) throw new Error(`${MODULE_REL} differs from the original after retyping line ${bug.line}`);
  log(`saved the original line ${bug.line} again`);
  await goToLine(page, buildLine);
  lens = await waitFor('the CodeLens "✓ sanity" again', lensIs(/✓ sanity/), T.verdict, 500);
  await showProblems(page);
  await waitFor('the SegLab sanity rows to leave the Problems panel', async () => (await sanityProblems(page)).length === 0, T.problems, 500);
  log(`fixed: no SegLab sanity problems; lens: ${lens}`);
  await page.screenshot({ path: path.join(resultsDir, `e2e-sanity-fixed${suffix}.png`) });
}
