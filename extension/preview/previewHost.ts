/**
 * What every preview editor, the hover and the commands share: the models to choose from (each run's best and
 * last, listed by the server), the remembered choice (workspace state), and `seglab/preview` requests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ResponseError } from 'vscode-jsonrpc/node';
import { PreviewModelChoice, PreviewParams, PreviewRequest, PreviewResult } from '../../server/protocol';
import type { Supervisor } from '../supervisor';
import { ServerRequestError } from '../serverClient';
import type { SeglabSettings } from '../settings';
import { resolveRunsDir } from '../workspaceConfig';
import { defaultChoice, modelChoices } from './modelChoices';

const REMEMBERED_KEY = 'seglab.preview.model';
/** JSON-RPC code of errors for the user (server/rpc/main.ts USER_ERROR_CODE). */
const USER_ERROR_CODE = -32001;
/** How long a listing of the runs is reused (hovers ask often). */
const LIST_TTL_MS = 5000;

/** Whether a run folder has a loadable checkpoint `which` (or its `.old` copy during a swap). */
export function hasCheckpoint(runDir: string, which: 'best' | 'last'): boolean {
  return [which, `${which}.old`].some((d) => fs.existsSync(path.join(runDir, d, 'model.json')));
}

export class PreviewHost {
  private listed: { at: number; choices: Promise<PreviewModelChoice[]> } | null = null;

  constructor(
    readonly supervisor: Supervisor,
    private readonly settings: () => SeglabSettings,
    private readonly state: vscode.Memento,
  ) {}

  get log(): vscode.LogOutputChannel {
    return this.supervisor.log;
  }

  /** Every run's best and last checkpoint, newest run first (reused for a few seconds unless `fresh`). */
  models(fresh = false): Promise<PreviewModelChoice[]> {
    if (!fresh && this.listed && Date.now() - this.listed.at < LIST_TTL_MS) return this.listed.choices;
    const choices = (async () => {
      const dir = await resolveRunsDir(this.settings());
      const runs = dir ? await this.supervisor.client.listRuns(dir) : [];
      return modelChoices(runs, hasCheckpoint);
    })();
    this.listed = { at: Date.now(), choices };
    choices.catch(() => (this.listed = null));
    return choices;
  }

  /** The model new previews use: the last one picked in any preview, else the newest run's best. */
  async defaultModel(fresh = false): Promise<PreviewModelChoice | null> {
    return defaultChoice(await this.models(fresh), this.state.get<PreviewModelChoice>(REMEMBERED_KEY));
  }

  remember(choice: PreviewModelChoice): void {
    void this.state.update(REMEMBERED_KEY, { runDir: choice.runDir, checkpoint: choice.checkpoint });
  }

  /** Sends `seglab/preview` (on the `seglab.backend` backend); a user error is a {@link ServerRequestError} with `user` set. */
  async preview(params: PreviewParams): Promise<PreviewResult> {
    const c = await this.supervisor.client.start();
    try {
      return await c.sendRequest(PreviewRequest, { backend: this.settings().backend, ...params });
    } catch (err) {
      if (err instanceof ResponseError) throw new ServerRequestError(err.message, err.code === USER_ERROR_CODE);
      throw err;
    }
  }
}
