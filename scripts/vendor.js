// Copies the webview's third-party assets from node_modules into media/vendor/ (webviews may only load files
// under their localResourceRoots, and the .vsix must not depend on node_modules' layout). Run by `npm run build`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const files = [
  ['@vscode-elements/elements/dist/bundled.js', 'vscode-elements.js'],
  ['uplot/dist/uPlot.iife.min.js', 'uPlot.iife.min.js'],
  ['uplot/dist/uPlot.min.css', 'uPlot.min.css'],
  ['@vscode/codicons/dist/codicon.css', 'codicon.css'],
  ['@vscode/codicons/dist/codicon.ttf', 'codicon.ttf'],
];
const outDir = path.join(root, 'media', 'vendor');
fs.mkdirSync(outDir, { recursive: true });
for (const [from, to] of files) {
  const src = path.join(root, 'node_modules', from);
  if (!fs.existsSync(src)) {
    console.error(`scripts/vendor.js: ${src} is missing; run \`npm ci\` first`);
    process.exit(1);
  }
  fs.copyFileSync(src, path.join(outDir, to));
}
