// The dashboard's tables: per-class IoU with bars, the row-normalised confusion heatmap, and the runs table.
// Built with createElement and CSSOM styles only (the page's CSP has no 'unsafe-inline').
import { formatDuration, formatMIoU, perClassRows, rowNormalise } from './dashboardLogic.js';

/** @typedef {import('../server/protocol').EvalResult} EvalResult */
/** @typedef {import('../server/protocol').RunSummary} RunSummary */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [text]
 * @param {string} [className]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

/**
 * @param {HTMLTableElement} table
 * @param {string[]} headers  a leading '#' marks a right-aligned (numeric) column
 * @returns {HTMLTableSectionElement} the new, empty tbody
 */
function resetTable(table, headers) {
  table.replaceChildren();
  const tr = el('tr');
  for (const h of headers) tr.append(h.startsWith('#') ? el('th', h.slice(1), 'num') : el('th', h));
  table.createTHead().append(tr);
  return table.createTBody();
}

/**
 * One row per class, IoU descending, absent classes last with the word "absent".
 * @param {HTMLTableElement} table  #per-class-table
 * @param {EvalResult|null} r
 * @param {readonly string[]} fallbackNames  class names from runStart, used when `r` has none
 */
export function renderPerClass(table, r, fallbackNames) {
  const body = resetTable(table, ['Class', '#IoU', '', '#Dice']);
  if (!r) return;
  const names = r.classNames.length ? r.classNames : fallbackNames;
  for (const row of perClassRows(names, r.perClassIoU, r.perClassDice)) {
    const tr = el('tr', undefined, row.iou === null ? 'absent' : '');
    tr.dataset.class = row.name;
    tr.dataset.classIndex = String(row.index);
    const bar = el('div', undefined, 'bar');
    bar.style.width = `${Math.max(0, Math.min(1, row.iou ?? 0)) * 100}%`;
    const track = el('div', undefined, 'bar-track');
    track.append(bar);
    const barCell = el('td', undefined, 'bar-cell');
    barCell.append(track);
    tr.append(el('td', row.name, 'name'), el('td', row.iou === null ? 'absent' : row.iou.toFixed(4), 'iou'), barCell,
      el('td', row.dice === null ? 'absent' : row.dice.toFixed(4), 'dice'));
    if (row.iou === null) tr.title = `${row.name} is absent from both the ground truth and the predictions of the whole set`;
    body.append(tr);
  }
}

/**
 * The confusion matrix as a heatmap table, each row divided by its sum (rows = ground truth). Every matrix entry
 * is one `td.cm-cell` with data-count; its title gives the raw count and the row share. Zero rows say "absent".
 * @param {HTMLTableElement} table  #confusion
 * @param {EvalResult|null} r
 */
export function renderConfusion(table, r) {
  table.replaceChildren();
  if (!r) return;
  const n = r.confusion.length;
  const names = r.confusion.map((_, i) => r.classNames[i] ?? `class ${i}`);
  const { share, rowSums } = rowNormalise(r.confusion);
  const head = el('tr');
  head.append(el('th', 'truth ↓ / predicted →', 'corner'), ...names.map((c) => el('th', c, 'col')));
  table.createTHead().append(head);
  const body = table.createTBody();
  r.confusion.forEach((row, i) => {
    const tr = el('tr');
    const th = el('th', names[i], 'row');
    const rowShare = share[i];
    if (!rowShare) {
      tr.className = 'absent';
      th.append(' ', el('span', 'absent', 'absent-tag'));
    }
    tr.append(th);
    row.forEach((count, j) => {
      const td = el('td', undefined, 'cm-cell');
      td.dataset.count = String(count);
      td.dataset.row = String(i);
      td.dataset.col = String(j);
      if (rowShare) {
        const p = rowShare[j];
        td.style.setProperty('--share', `${Math.round(p * 100)}%`);
        td.title = `truth ${names[i]} → predicted ${names[j]}: ${count} pixels, ${(p * 100).toFixed(1)}% of the ${rowSums[i]} ${names[i]} pixels`;
        if (n <= 12) td.textContent = `${Math.round(p * 100)}`;
      } else {
        td.title = `${names[i]} is absent from the ground truth (count ${count})`;
      }
      if (i === j) td.classList.add('diag');
      tr.append(td);
    });
    body.append(tr);
  });
}

/**
 * @param {number} params
 * @returns {string}
 */
function formatParams(params) {
  return (params / 1e6).toFixed(params < 1e5 ? 3 : 2);
}

/**
 * The runs table; the checkbox of a row ticks it for the comparison chart.
 * @param {HTMLTableElement} table  #runs-table
 * @param {readonly RunSummary[]} runs
 * @param {readonly string[]} selected  runDirs ticked
 * @param {(runDir: string, on: boolean) => void} onToggle
 */
export function renderRuns(table, runs, selected, onToggle) {
  const body = resetTable(table, ['', 'Name', 'Arch', 'Encoder', '#Params (M)', '#Best mIoU @ epoch', '#Time', 'Backend']);
  for (const r of runs) {
    const tr = el('tr');
    tr.dataset.runDir = r.runDir;
    const box = el('input', undefined, 'run-select');
    box.type = 'checkbox';
    box.checked = selected.includes(r.runDir);
    box.title = 'Compare this run\'s val mIoU curve (two at a time)';
    box.addEventListener('change', () => onToggle(r.runDir, box.checked));
    const pick = el('td');
    pick.append(box);
    const name = el('td', r.name, 'name');
    name.title = r.runDir + (r.problem ? `\n${r.problem}` : '');
    if (r.problem) name.append(' ', el('span', '⚠', 'problem'));
    const best = r.bestMIoU === null ? '—' : `${formatMIoU(r.bestMIoU)} @ ${r.bestEpoch}`;
    tr.append(pick, name, el('td', r.arch), el('td', r.encoderName ?? '—'), el('td', formatParams(r.params), 'num'),
      el('td', best, 'num'), el('td', formatDuration(r.seconds), 'num'), el('td', r.backend));
    body.append(tr);
  }
  if (!runs.length) {
    const tr = el('tr', undefined, 'empty');
    const td = el('td', 'No runs yet. Train one, then Refresh.');
    td.colSpan = 8;
    tr.append(td);
    body.append(tr);
  }
}
