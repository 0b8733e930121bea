// @ts-check
/**
 * code-server side of the end-to-end harness: install (cached), build + package the extension, start a fresh
 * code-server per run with the extension installed from the .vsix, and stop it with everything it spawned.
 * Facts this relies on (measured on Node 20 / Debian): code-server 4.100.3 is the newest that runs on Node 20;
 * `--install-extension` takes a .vsix (a folder fails); HOME/XDG must point into the run folder or even
 * `--version` writes to ~/.config; port 0 works and the real port is printed on the "HTTP server listening" line.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = path.resolve(E2E_DIR, '..', '..');

/** Settings without which a trust dialog, a walkthrough or a tips/welcome page steals focus from the palette. */
export const WORKBENCH_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  // Typing into Monaco key by key must produce exactly the typed text: no auto-closed or surrounding brackets and
  // quotes, and no suggestion widget that a '(' or '.' would accept.
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoSurround': 'never',
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
  'editor.suggestOnTriggerCharacters': false,
  'editor.acceptSuggestionOnCommitCharacter': false,
  'editor.wordBasedSuggestions': 'off',
  'editor.inlineSuggest.enabled': false,
  'editor.parameterHints.enabled': false,
  'editor.formatOnType': false,
  'editor.formatOnSave': false,
  'files.autoSave': 'off',
};

/**
 * Runs a command synchronously, streaming its stderr; throws with its output tail when it fails.
 * @param {string} cmd @param {string[]} args @param {import('node:child_process').SpawnSyncOptions} [options]
 * @returns {string} stdout
 */
export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...options });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${tail}`);
  }
  return String(r.stdout ?? '');
}

/** Installs code-server + chromium if needed (idempotent); returns the code-server binary. */
export function installCodeServer() {
  const out = run('bash', [path.join(E2E_DIR, 'install-code-server.sh')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const bin = out.trim().split('\n').pop() ?? '';
  if (!fs.existsSync(bin)) throw new Error(`install-code-server.sh did not print a code-server path (got ${JSON.stringify(bin)})`);
  return bin;
}

/** `npm run build` in the repo (produces out/ and media/vendor/). */
export function buildExtension() {
  run('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Packages the extension folder `dir` (default: the repo root) into `vsixPath` with the repo's vsce 3.x
 * (4.x needs Node 22), offline: no repository field or LICENSE required. vsce runs the manifest's
 * `vscode:prepublish` script first.
 * @param {string} vsixPath @param {string} [dir]
 */
export function packageExtension(vsixPath, dir = REPO_ROOT) {
  const vsce = path.join(REPO_ROOT, 'node_modules', '.bin', 'vsce');
  if (!fs.existsSync(vsce)) throw new Error(`${vsce} is missing: run \`npm install\` (devDependency @vscode/vsce)`);
  // --no-rewrite-relative-links: without a repository URL vsce refuses a README with relative links.
  run(vsce, ['package', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '-o', vsixPath], { cwd: dir });
  return vsixPath;
}

/** @param {string} runDir */
function serverEnv(runDir) {
  const home = path.join(runDir, 'home');
  fs.mkdirSync(home, { recursive: true });
  return {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
  };
}

/** @param {string} runDir */
function commonArgs(runDir) {
  return [
    '--config', path.join(runDir, 'config.yaml'),
    '--user-data-dir', path.join(runDir, 'user-data'),
    '--extensions-dir', path.join(runDir, 'extensions'),
  ];
}

/**
 * Prepares RUN (config.yaml, user settings), installs the .vsix into it, starts code-server on a free port and
 * resolves once it listens.
 * @param {{bin: string, runDir: string, vsix: string, workspace: string, timeoutMs?: number}} o
 * @returns {Promise<{url: string, logFile: string, stop: () => Promise<void>}>}
 */
export async function startCodeServer({ bin, runDir, vsix, workspace, timeoutMs = 60_000 }) {
  fs.writeFileSync(path.join(runDir, 'config.yaml'), 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  const userDir = path.join(runDir, 'user-data', 'User');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify(WORKBENCH_SETTINGS, null, 2));
  const env = serverEnv(runDir);
  run(bin, [...commonArgs(runDir), '--install-extension', vsix], { env, timeout: 120_000 });

  const logFile = path.join(runDir, 'code-server.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(
    bin,
    [
      ...commonArgs(runDir),
      '--auth', 'none',
      '--bind-addr', '127.0.0.1:0',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      workspace,
    ],
    { env, stdio: ['ignore', log, log], detached: true },
  );
  fs.closeSync(log);
  let exited = /** @type {string | undefined} */ (undefined);
  child.on('exit', (code, signal) => (exited = `code-server exited (${code ?? signal})`));
  const stop = () => killGroup(child);

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(fs.readFileSync(logFile, 'utf8'));
    if (m) return { url: m[1], logFile, stop };
    if (exited) break;
    await sleep(200);
  }
  await stop();
  throw new Error(`${exited ?? `code-server did not listen within ${timeoutMs / 1000} s`}; see ${logFile}`);
}

/**
 * SIGTERM to the whole process group (code-server, its extension host, the trainer child), SIGKILL after 5 s.
 * @param {import('node:child_process').ChildProcess} child
 */
async function killGroup(child) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  const signal = (/** @type {NodeJS.Signals} */ sig) => {
    try {
      process.kill(-(/** @type {number} */ (child.pid)), sig);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
  signal('SIGKILL'); // stragglers that ignored SIGTERM after the leader exited
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The last `n` lines of code-server's log and of every extension-host log under RUN/user-data/logs (the remote
 * extension host's own log plus extensions' output channels, SegLab's included; built-in vscode.* ones and
 * telemetry left out).
 * @param {string} runDir @param {number} [n]
 */
export function collectLogs(runDir, n = 100) {
  const files = [path.join(runDir, 'code-server.log')];
  const walk = (/** @type {string} */ dir) => {
    for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/exthost/i.test(p) && e.name.endsWith('.log') && !/[/\\]vscode\.|Telemetry/.test(p)) files.push(p);
    }
  };
  walk(path.join(runDir, 'user-data', 'logs'));
  return files
    .filter((f) => fs.existsSync(f) && fs.statSync(f).size > 0)
    .map((f) => {
      const lines = fs.readFileSync(f, 'utf8').trimEnd().split('\n');
      return `----- ${path.relative(runDir, f)} (last ${Math.min(n, lines.length)} of ${lines.length} lines) -----\n` +
        lines.slice(-n).join('\n');
    })
    .join('\n');
}
