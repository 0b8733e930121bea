/**
 * The preview page's HTML: the skeleton media/preview.js fills in (stable ids the tests use: #overlay, #mode,
 * #opacity, #model, #error, #hover-info, #per-class-iou) under a strict Content-Security-Policy. Pure string
 * building, no 'vscode' import, so tests render it outside VS Code.
 */
import { attr } from '../dashboardHtml';

export interface PreviewAssets {
  /** `webview.cspSource`: the origin the assets are served from. */
  readonly cspSource: string;
  /** Per-load nonce (makeNonce in extension/dashboardHtml.ts). */
  readonly nonce: string;
  /** media/preview.js (an ES module; it imports its siblings in media/). */
  readonly script: string;
  /** media/preview.css */
  readonly style: string;
  /** Shown in the page title: the image's file name. */
  readonly title: string;
}

/** Nothing by default; styles and images from the webview's origin (images also as data:); scripts by nonce. */
export function previewCsp(cspSource: string, nonce: string): string {
  return ["default-src 'none'", `img-src ${cspSource} data: blob:`, `style-src ${cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
}

const BODY = `
<header class="toolbar">
  <label for="model">Model</label>
  <select id="model" aria-label="Model: run and checkpoint"></select>
  <button id="refresh" type="button" title="Predict again">Refresh</button>
  <label for="mode">View</label>
  <select id="mode">
    <option value="blend">Blend</option>
    <option value="side">Side by side</option>
    <option value="diff">Diff (errors)</option>
  </select>
  <label for="opacity">Opacity</label>
  <input id="opacity" type="range" min="0" max="1" step="0.05" value="0.5">
  <span id="opacity-value">0.50</span>
</header>
<p id="status" class="status" role="status">Starting…</p>
<p id="error" class="error" role="alert" hidden></p>
<main id="content" class="content">
  <div>
    <div class="canvas-wrap"><canvas id="overlay" width="1" height="1" aria-label="prediction overlay"></canvas></div>
    <p id="panels" class="panels muted"></p>
  </div>
  <aside>
    <p id="hover-info" class="hover-info muted" aria-live="polite"></p>
    <h2>Classes <span class="muted">(predicted share)</span></h2>
    <div id="legend" class="legend"></div>
    <div id="diff-legend" class="legend" hidden></div>
    <h2>Per-class IoU <span id="miou" class="muted"></span></h2>
    <p id="gt-status" class="gt-status"></p>
    <table id="per-class-iou" hidden></table>
  </aside>
</main>`;

/** The whole page. */
export function previewHtml(a: PreviewAssets): string {
  const n = attr(a.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(previewCsp(a.cspSource, a.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(a.style)}">
<script nonce="${n}" type="module" src="${attr(a.script)}"></script>
<title>SegLab Preview: ${attr(a.title)}</title>
</head>
<body data-state="loading">
${BODY}
</body>
</html>
`;
}
