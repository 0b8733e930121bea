// @ts-check
/**
 * The preview scenario in a real VS Code (code-server), for test/e2e/run.mjs's SCENARIOS (issue 7):
 * a workspace with the committed fixture (test/preview/fixtures: a tiny trained cells run under `runs/` and its
 * mask-folder dataset under `data/`, named by a `seglab.json`) and a `notes.md` that mentions an image.
 * Quick Open a dataset image (VS Code's image viewer), run **SegLab: Predict on Active Image** → the SegLab Preview
 * beside it draws the overlay canvas (`#overlay[data-drawn]`) and the per-class IoU table has one row per class
 * of the run (`test-results/e2e-preview.png`); a new best checkpoint written into the run redraws it; then hover the image path in notes.md → a hover with the
 * prediction thumbnail and "Classes:" (`e2e-preview-hover.png`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The committed fixture (test/preview/fixtures); this file is not compiled, so it sits next to its source. */
export const FIXTURE_DIR = path.resolve(HERE, '..', 'preview', 'fixtures');
export const EXTENSION_ID = 'seglab.seglab';
export const IMAGE = 'cells-15.png';

const T = { command: 60_000, preview: 180_000, hover: 120_000 };

/** @param {string} workspace */
export function writePreviewWorkspace(workspace) {
  fs.mkdirSync(workspace, { recursive: true });
  fs.cpSync(path.join(FIXTURE_DIR, 'data'), path.join(workspace, 'data'), { recursive: true });
  const runDir = path.join(workspace, 'runs', 'tiny-cells');
  fs.cpSync(path.join(FIXTURE_DIR, 'run'), runDir, { recursive: true });
  // Real runs store absolute data paths in config.json; the fixture's are relative to its own layout.
  const cfgFile = path.join(runDir, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  cfg.data.train = { images: path.join(workspace, 'data', 'images'), masks: path.join(workspace, 'data', 'masks') };
  cfg.output.runsDir = path.join(workspace, 'runs');
  fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 2));
  const seglab = {
    data: { type: 'maskFolder', train: { images: 'data/images', masks: 'data/masks' }, split: { count: 4 }, classes: 2, classNames: cfg.data.classNames },
    input: { size: 64, normalize: { mode: 'none' } },
    model: { arch: 'unet', inChannels: 1, encoderDepth: 2, baseFilters: 8 },
    output: { runsDir: 'runs' },
  };
  fs.writeFileSync(path.join(workspace, 'seglab.json'), JSON.stringify(seglab, null, 2) + '\n');
  fs.writeFileSync(path.join(workspace, 'notes.md'), `# Notes\n\nA validation image: data/images/${IMAGE}\n`);
}

/**
 * @param {{page: import('playwright-core').Page, workspace: string, resultsDir: string, suffix: string,
 *   log: (msg: string) => void}} o
 * @param {{runCommand: Function, waitFor: Function, webview: Function}} wb  test/e2e/lib/workbench.mjs
 */
export async function previewScenario({ page, workspace, resultsDir, suffix, log }, wb) {
  await quickOpen(page, `images/${IMAGE}`, IMAGE); // not the mask of the same name
  log(`opened data/images/${IMAGE}`);
  const attempts = await wb.runCommand(page, 'SegLab: Predict on Active Image', T.command);
  log(`ran "SegLab: Predict on Active Image" (palette attempts: ${attempts})`);
  const view = wb.webview(page, EXTENSION_ID);
  const state = await wb.waitFor(
    'the preview page to draw (body[data-state=ready], #overlay[data-drawn])',
    async () => {
      const s = await view.locator('body').getAttribute('data-state', { timeout: 1000 });
      if (s === 'error') throw new Error(`the preview shows an error: ${await view.locator('#error').textContent({ timeout: 1000 })}`);
      return s === 'ready' && (await view.locator('#overlay[data-drawn="true"]').count()) === 1 && s;
    },
    T.preview,
  );
  const rows = await view.locator('#per-class-iou tbody tr').evaluateAll((trs) => trs.map((r) => [r.getAttribute('data-class'), r.querySelector('td.iou')?.textContent]));
  const classes = JSON.parse(fs.readFileSync(path.join(workspace, 'runs', 'tiny-cells', 'run.json'), 'utf8')).classNames;
  if (rows.length !== classes.length || rows.some((r, i) => r[0] !== classes[i] || !/^(\d\.\d{4}|absent)$/.test(String(r[1])))) {
    throw new Error(`#per-class-iou rows ${JSON.stringify(rows)}; expected one per class of the run (${classes.join(', ')}) with an IoU`);
  }
  const size = await view.locator('#overlay').evaluate((c) => [/** @type {HTMLCanvasElement} */ (c).width, /** @type {HTMLCanvasElement} */ (c).height]);
  log(`preview ${state}: canvas ${size.join('x')}, per-class IoU ${JSON.stringify(rows)}`);
  await page.screenshot({ path: path.join(resultsDir, `e2e-preview${suffix}.png`) });

  // A new checkpoint (swapped in by renames, as training does) makes the open preview predict and draw again.
  const drawn = Number(await view.locator('body').getAttribute('data-results', { timeout: 5000 }));
  replaceCheckpoint(path.join(workspace, 'runs', 'tiny-cells'), 'best');
  await wb.waitFor(
    'the preview to redraw after a new best checkpoint',
    async () => {
      const b = view.locator('body');
      return (await b.getAttribute('data-state', { timeout: 1000 })) === 'ready' && Number(await b.getAttribute('data-results', { timeout: 1000 })) > drawn;
    },
    T.preview,
  );
  log('a new best checkpoint redrew the preview');

  await quickOpen(page, 'notes.md', 'notes.md');
  const token = page.locator('.view-lines span', { hasText: IMAGE }).last();
  await wb.waitFor('notes.md to show the image path', async () => (await token.count()) > 0, 30_000);
  const hover = page.locator('.monaco-hover', { hasText: 'SegLab prediction' });
  await wb.waitFor(
    'a SegLab hover with the prediction thumbnail',
    async () => {
      const box = await token.boundingBox();
      if (box) await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2);
      return (await hover.count()) > 0 && (await hover.locator('img').count()) > 0;
    },
    T.hover,
    1500,
  );
  const text = (await hover.first().innerText()).replace(/\s+/g, ' ');
  if (!/Classes: /.test(text)) throw new Error(`the hover lacks the classes present: ${text}`);
  log(`hover: ${text.slice(0, 160)}`);
  await page.screenshot({ path: path.join(resultsDir, `e2e-preview-hover${suffix}.png`) });
}

/**
 * Writes a copy of a run's checkpoint folder as a new checkpoint the way training does (write aside, then rename
 * the old one away and the new one in), so its files have new modification times.
 * @param {string} runDir @param {string} which
 */
function replaceCheckpoint(runDir, which) {
  const dir = path.join(runDir, which);
  const fresh = `${dir}.e2e-new`;
  fs.rmSync(fresh, { recursive: true, force: true });
  fs.mkdirSync(fresh);
  for (const f of fs.readdirSync(dir)) fs.writeFileSync(path.join(fresh, f), fs.readFileSync(path.join(dir, f)));
  fs.rmSync(`${dir}.old`, { recursive: true, force: true });
  fs.renameSync(dir, `${dir}.old`);
  fs.renameSync(fresh, dir);
  fs.rmSync(`${dir}.old`, { recursive: true, force: true });
}

/**
 * Quick Open (Ctrl+P) the first file matching `query`; waits for its tab (`name`).
 * @param {import('playwright-core').Page} page @param {string} query @param {string} name
 */
async function quickOpen(page, query, name) {
  const widget = page.locator('.quick-input-widget');
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    try {
      await widget.locator('input').fill(query, { timeout: 3000 });
      await widget.locator('.monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible', timeout: 10_000 });
      await widget.locator('input').press('Enter');
      await page.locator('.tab.active', { hasText: name }).waitFor({ state: 'visible', timeout: 10_000 });
      return;
    } catch {
      await page.keyboard.press('Escape');
    }
  }
  throw new Error(`Quick Open could not open ${query}`);
}
