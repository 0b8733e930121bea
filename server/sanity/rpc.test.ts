/** The sanity requests through a real server process (out/server/rpc/main.js) over JSON-RPC. */
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fork } from 'node:child_process';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { SANITY_STEPS, SanityCancelRequest, SanityProgressNotification, SanityProgressParams, SanityRunRequest, ShutdownRequest } from '../protocol';
import { example, tempFolder } from './testing';

const server = fork(path.join(__dirname, '..', 'rpc', 'main.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const connection = createMessageConnection(new IPCMessageReader(server), new IPCMessageWriter(server));
connection.listen();
after(async () => {
  await connection.sendRequest(ShutdownRequest).catch(() => undefined);
  connection.dispose();
  server.kill();
});

test('seglab/sanityRun answers with the verdict after a progress notification per step; sanityCancel ends a run', async () => {
  const progress: SanityProgressParams[] = [];
  connection.onNotification(SanityProgressNotification, (p) => {
    progress.push(p);
  });
  const modulePath = example('broken/wrongClasses.ts');
  const settings = { size: 32, steps: 2 };
  const v = await connection.sendRequest(SanityRunRequest, { configPath: null, cwd: path.dirname(modulePath), modulePath, runId: 'rpc-1', settings });
  assert.equal(v.status, 'failed');
  assert.equal(v.diagnostics[0].code, 'output-channels');
  // One notification per step (the skipped ones come last), all before the verdict.
  assert.deepEqual(progress.map((p) => p.step.name).sort(), [...SANITY_STEPS].sort());
  assert.deepEqual(progress.slice(0, 4).map((p) => p.step.name), ['transpile', 'data', 'build', 'summary']);
  assert.ok(progress.every((p) => p.runId === 'rpc-1'));

  const loop = example('broken/infiniteLoop.ts');
  const pending = connection.sendRequest(SanityRunRequest, { configPath: null, cwd: path.dirname(loop), modulePath: loop, runId: 'rpc-2', settings: { ...settings, timeBudgetSeconds: 60 } });
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await connection.sendRequest(SanityCancelRequest, { runId: 'rpc-2' }), { cancelled: true });
  assert.equal((await pending).status, 'cancelled');
});

test('after a syntax error the verdict still lists the files the module imported when it last bundled', async () => {
  const dir = tempFolder({
    'lib.ts': 'export const WIDTH = 4;\n',
    'net.ts': "import { WIDTH } from './lib';\nexport function build(ctx: any) { return WIDTH + ctx; }\n",
  });
  const modulePath = path.join(dir, 'net.ts');
  const run = () => connection.sendRequest(SanityRunRequest, { configPath: null, cwd: dir, modulePath, settings: { size: 32 } });
  const first = await run();
  assert.deepEqual(first.files, [modulePath, path.join(dir, 'lib.ts')]);
  fs.writeFileSync(modulePath, "import { WIDTH } from './lib';\nexport function build(ctx: any) { return WIDTH + ; }\n");
  const broken = await run();
  assert.equal(broken.diagnostics[0].code, 'syntax');
  assert.deepEqual(broken.files, [modulePath, path.join(dir, 'lib.ts')]);
});
