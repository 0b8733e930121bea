/** Test helpers for previews: a private copy of the committed fixture run and dataset (test/preview/fixtures). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The committed fixture (this file runs from out/server/preview/). */
export const FIXTURE_DIR = path.join(__dirname, '..', '..', '..', 'test', 'preview', 'fixtures');

export interface FixtureCopy {
  readonly root: string;
  /** A real tiny run (U-Net on synthetic cells: 2 classes, 64×64 gray) with `best` and `last` checkpoints. */
  readonly runDir: string;
  readonly imagesDir: string;
  readonly masksDir: string;
  /** An image of the run's dataset (a validation image; it has a mask). */
  readonly image: string;
  readonly cleanup: () => void;
}

/** Copies the fixture to a fresh temporary folder (previews write their cache into the run folder). */
export function copyFixture(): FixtureCopy {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seglab-preview-'));
  fs.cpSync(FIXTURE_DIR, root, { recursive: true });
  const imagesDir = path.join(root, 'data', 'images');
  return {
    root,
    runDir: path.join(root, 'run'),
    imagesDir,
    masksDir: path.join(root, 'data', 'masks'),
    image: path.join(imagesDir, 'cells-15.png'),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

/** Rewrites a file with the same bytes and a later mtime (what a new checkpoint looks like to the cache). */
export function touchLater(file: string, seconds = 5): void {
  const t = new Date(fs.statSync(file).mtimeMs + seconds * 1000);
  fs.utimesSync(file, t, t);
}
