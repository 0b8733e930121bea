/**
 * The dashboard webview's HTML: the page skeleton (every element media/dashboard.js fills in, by id) under a strict
 * Content-Security-Policy. Pure string building, no 'vscode' import, so tests render it outside VS Code.
 */
import { randomBytes } from 'node:crypto';

/** The page's assets, each a URI the webview may load (the caller converts them with `webview.asWebviewUri`). */
export interface DashboardAssets {
  /** `webview.cspSource`: the origin the assets are served from. */
  cspSource: string;
  /** Per-load nonce from {@link makeNonce}. */
  nonce: string;
  /** media/dashboard.js (an ES module; it imports its siblings in media/). */
  script: string;
  /** media/dashboard.css */
  style: string;
  /** media/vendor/vscode-elements.js */
  elements: string;
  /** media/vendor/uPlot.iife.min.js */
  uplotJs: string;
  /** media/vendor/uPlot.min.css */
  uplotCss: string;
  /** media/vendor/codicon.css (codicon.ttf next to it) */
  codicons: string;
}

/** A fresh nonce for one page load: 16 random bytes, base64. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Escapes a value for a double-quoted HTML attribute. */
export function attr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The policy: nothing by default; styles, fonts and images only from the webview's own origin (images also as
 * data: URIs); scripts only with this load's nonce. No 'unsafe-inline': the page sets styles through the CSSOM.
 */
export function dashboardCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

const HEADER = `
<header class="header">
  <div class="title">
    <h1>SegLab</h1>
    <span id="phase" class="phase" data-phase="idle">idle</span>
    <vscode-progress-ring id="busy" class="busy" hidden></vscode-progress-ring>
  </div>
  <dl class="facts">
    <div><dt>Backend</dt><dd id="backend">—</dd></div>
    <div><dt>Epoch</dt><dd id="epoch">—</dd></div>
    <div><dt>Speed</dt><dd id="speed">—</dd></div>
    <div><dt>ETA</dt><dd id="eta">—</dd></div>
    <div class="wide"><dt>Run folder</dt><dd id="run-dir">—</dd></div>
  </dl>
  <div class="actions">
    <vscode-button id="cmd-train" icon="play">Train</vscode-button>
    <vscode-button id="cmd-resume" icon="debug-continue" secondary>Resume</vscode-button>
    <vscode-button id="cmd-stop" icon="debug-stop" secondary disabled>Stop</vscode-button>
  </div>
  <p id="message" class="message" role="status" hidden></p>
</header>`;

const METRICS = `
<section class="metrics">
  <div class="miou">
    <h2>Validation mIoU <span id="eval-source" class="muted"></span></h2>
    <div class="miou-values">
      <div class="big"><span id="val-miou" class="value">—</span><span class="caption">dataset-wide</span></div>
      <div class="small"><span id="batch-miou" class="value">—</span><span class="caption">mean of per-batch mIoU</span></div>
    </div>
    <p id="miou-explanation" class="muted"></p>
    <p id="pixel-accuracy" class="muted"></p>
  </div>
  <div class="per-class">
    <h2>Per-class IoU</h2>
    <table id="per-class-table" class="per-class-table"></table>
  </div>
</section>`;

const CHARTS = `
<section class="charts">
  <div><h2>Loss per step</h2><div id="loss-chart" class="chart" data-steps="0"></div></div>
  <div><h2>Train loss and val mIoU per epoch</h2><div id="epoch-chart" class="chart" data-epochs="0"></div></div>
</section>`;

const DETAILS = `
<section class="confusion-section">
  <h2>Confusion matrix <span class="muted">(rows: ground truth, each row divided by its sum; hover for counts)</span></h2>
  <div class="scroll"><table id="confusion" class="confusion"></table></div>
</section>
<vscode-divider></vscode-divider>
<section class="samples-section">
  <h2>Validation samples <span id="samples-epoch" class="muted"></span></h2>
  <div class="overlay-controls">
    <label for="opacity">Overlay opacity</label>
    <input id="opacity" type="range" min="0" max="1" step="0.05" value="0.5">
    <span id="opacity-value">0.50</span>
    <div id="legend" class="legend"></div>
  </div>
  <div id="samples" class="samples"></div>
</section>
<vscode-divider></vscode-divider>
<section id="sanity" class="sanity-section" hidden>
  <h2>Sanity <span id="sanity-verdict" class="muted"></span></h2>
  <div class="sanity-body">
    <table id="sanity-steps" class="sanity-steps"></table>
    <div><div id="sanity-loss" class="sanity-loss" data-points="0"></div><span class="caption">loss on the sanity batch, per step</span></div>
  </div>
  <div class="overlay-controls">
    <label for="sanity-opacity">Overlay opacity</label>
    <input id="sanity-opacity" type="range" min="0" max="1" step="0.05" value="0.5">
    <div id="sanity-legend" class="legend"></div>
  </div>
  <div id="sanity-sample" class="samples"></div>
</section>
<vscode-divider></vscode-divider>
<section class="runs-section">
  <h2>Runs <vscode-button id="refresh-runs" icon="refresh" secondary>Refresh</vscode-button></h2>
  <div class="scroll"><table id="runs-table" class="runs-table"></table></div>
  <h2>Compare val mIoU <span class="muted">(tick two runs)</span></h2>
  <div id="compare-chart" class="chart" data-runs="0"></div>
</section>
<details class="log-section"><summary>Log (<span id="log-count">0</span>)</summary><pre id="log"></pre></details>`;

/** The whole page. */
export function dashboardHtml(a: DashboardAssets): string {
  const n = attr(a.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(dashboardCsp(a.cspSource, a.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${attr(a.codicons)}">
<link rel="stylesheet" href="${attr(a.uplotCss)}">
<link rel="stylesheet" href="${attr(a.style)}">
<script nonce="${n}" src="${attr(a.uplotJs)}"></script>
<script nonce="${n}" type="module" src="${attr(a.elements)}"></script>
<script nonce="${n}" type="module" src="${attr(a.script)}"></script>
<title>SegLab Dashboard</title>
</head>
<body>
${HEADER}
${METRICS}
${CHARTS}
${DETAILS}
</body>
</html>
`;
}
