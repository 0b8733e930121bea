/**
 * What every preview editor, the hover and the commands share: the models to choose from (each run's best and
 * last, listed by the server, then the latest sanity model of each module, read from `<runsDir>/.sanity`), the
 * remembered choice (workspace state), and `seglab/preview` requests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PreviewModelChoice, PreviewParams, PreviewResult } from '../../server/protocol';
import { listSanityModels } from '../../server/preview/runModel';
import type { Supervisor } from '../supervisor';
import type { SeglabSettings } from '../settings';
import { configRunsDirs, resolveRunsDir } from '../workspaceConfig';
import { defaultChoice, modelChoices } from './modelChoices';

const REMEMBERED_KEY = 'seglab.preview.model';
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

  /** Every run's best and last checkpoint, newest run first, then the sanity models (reused for a few seconds unless `fresh`). */
  models(fresh = false): Promise<PreviewModelChoice[]> {
    if (!fresh && this.listed && Date.now() - this.listed.at < LIST_TTL_MS) return this.listed.choices;
    const choices = (async () => {
      const dir = await resolveRunsDir(this.settings());
      const runs = dir ? await this.supervisor.client.listRuns(dir) : [];
      // Sanity models are saved under their config's runs folder, which `seglab.runsFolder` may not be.
      const sanityDirs = [...(dir ? [dir] : []), ...(await configRunsDirs())];
      return modelChoices(runs, hasCheckpoint, listSanityModels(sanityDirs));
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

  /** Sends `seglab/preview` (on the `seglab.backend` backend); a user error is a ServerRequestError with `user` set. */
  preview(params: PreviewParams): Promise<PreviewResult> {
    return this.supervisor.client.preview({ backend: this.settings().backend, ...params });
  }
}
