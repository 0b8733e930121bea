// Runs every compiled test file (out/**/*.test.js) with node's test runner, one file at a time. Node 20's
// `node --test out/` would also run helper modules that merely sit under a test/ folder.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

function find(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) find(p, out);
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const root = path.join(__dirname, '..', 'out');
const filter = process.argv.slice(2);
const files = find(root)
  .sort()
  .filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)));
if (!files.length) {
  console.error(`scripts/test.js: no test files under ${root}${filter.length ? ` matching ${filter.join(' ')}` : ''}; run \`npm run build\``);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
