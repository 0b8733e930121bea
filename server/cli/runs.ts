/** Finding run folders and input images from command-line arguments. No tfjs import. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserFacingError } from '../train/errors';


const IMAGE_EXT = /\.(png|jpe?g|bmp|tiff?|webp)$/i;

function isRun(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'run.json'));
}

/** Run folders under `runsDir`, newest first (by creation time recorded in run.json, then name). */
export function listRuns(runsDir: string): string[] {
  if (!fs.existsSync(runsDir)) return [];
  const runs = fs
    .readdirSync(runsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && isRun(path.join(runsDir, d.name)))
    .map((d) => {
      const dir = path.join(runsDir, d.name);
      let created = '';
      try {
        created = (JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { createdAt?: string }).createdAt ?? '';
      } catch {
        // A damaged run.json still lists the folder (sorted last); its summary reports the problem.
      }
      return { dir, created };
    });
  runs.sort((a, b) => (a.created === b.created ? b.dir.localeCompare(a.dir) : b.created.localeCompare(a.created)));
  return runs.map((r) => r.dir);
}

/**
 * Resolves `--run`/`--resume`: a path to a run folder, a run name under `runsDir`, or (undefined / "latest") the
 * newest run there.
 */
export function resolveRun(arg: string | undefined, runsDir: string): string {
  if (!arg || arg === 'latest') {
    const [newest] = listRuns(runsDir);
    if (!newest) throw new UserFacingError(`no runs in ${runsDir} yet; train first (seglab train) or pass --run with a run folder`);
    return newest;
  }
  for (const candidate of [path.resolve(arg), path.join(runsDir, arg)]) if (isRun(candidate)) return candidate;
  const known = listRuns(runsDir).map((d) => path.basename(d));
  const hint = known.length ? `runs in ${runsDir}: ${known.slice(0, 10).join(', ')}` : `${runsDir} holds no runs`;
  throw new UserFacingError(`${JSON.stringify(arg)} is not a run folder (a folder with run.json) nor a run name; ${hint}`);
}

/** Expands folders to the images inside them (sorted); every file must exist and look like an image. */
export function resolveInputs(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!fs.existsSync(p)) throw new UserFacingError(`${p}: no such file or folder`);
    if (fs.statSync(p).isDirectory()) {
      const imgs = fs.readdirSync(p).filter((f) => IMAGE_EXT.test(f)).sort();
      if (!imgs.length) throw new UserFacingError(`${p}: the folder holds no images (.png .jpg .jpeg .bmp .tif .tiff .webp)`);
      out.push(...imgs.map((f) => path.join(p, f)));
    } else {
      if (!IMAGE_EXT.test(p)) throw new UserFacingError(`${p}: not an image file (.png .jpg .jpeg .bmp .tif .tiff .webp)`);
      out.push(p);
    }
  }
  return out;
}
