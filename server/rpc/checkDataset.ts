/** `CheckDatasetRequest`: the `seglab data check` report for a config, as text. */
import type { CheckDatasetResult } from '../protocol';
import { loadConfig } from '../config/load';
import { dataCheck } from '../cli/dataCheck';

/** Loads `configPath` (null: `cwd`/seglab.json or the built-in default) and checks its train and val sets. */
export async function checkDatasetReport(configPath: string | null, cwd: string): Promise<CheckDatasetResult> {
  const cfg = loadConfig(configPath ?? undefined, cwd);
  let report = '';
  const code = await dataCheck(cfg, { write: (s: string) => (report += s) });
  const m = /(\d+) problem\(s\) found/.exec(report);
  return { report, problems: code === 0 ? 0 : m ? Number(m[1]) : 1 };
}
