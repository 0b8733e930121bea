/** Writes the JSON Schema for `seglab.json`, generated from the zod schema (run by `npm run schema`). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { SeglabConfig } from './schema';

/** The JSON Schema (draft-07, which VS Code's JSON language service reads) for `seglab.json`. */
export function seglabJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SeglabConfig, { target: 'draft-7', io: 'input', unrepresentable: 'any' });
  return { ...schema, title: 'SegLab configuration (seglab.json)' };
}

/** Where the committed schema lives, relative to the repository root. */
export const SCHEMA_PATH = path.join('server', 'config', 'seglab.schema.json');

if (require.main === module) {
  const root = path.resolve(__dirname, '..', '..', '..');
  fs.writeFileSync(path.join(root, SCHEMA_PATH), JSON.stringify(seglabJsonSchema(), null, 2) + '\n');
  console.log(`wrote ${SCHEMA_PATH}`);
}
