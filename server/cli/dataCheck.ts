/** `seglab data check`: inspects the configured train and val sets and prints what it finds. */
import type { ResolvedConfig } from '../config/load';
import { checkDataset, formatCheckReport } from '../data/check';
import { openDatasets } from '../train/datasets';

interface Out {
  write(s: string): unknown;
}

/** Prints a report per split; returns the exit code (1 when any problem was found). */
export async function dataCheck(cfg: ResolvedConfig, out: Out): Promise<number> {
  const { train, val } = await openDatasets(cfg);
  let problems = 0;
  for (const [name, ds] of [
    ['train', train],
    ['val', val],
  ] as const) {
    const report = await checkDataset(ds, {});
    out.write(`== ${name}: ${ds.description}\n${formatCheckReport(report)}\n`);
    problems += report.problems.length;
  }
  out.write(problems ? `${problems} problem(s) found\n` : 'no problems found\n');
  return problems ? 1 : 0;
}
