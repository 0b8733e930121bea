/**
 * The README's augmentation table, generated from the zod schema (so docs, defaults and validation cannot
 * disagree): one row per step type with its description and every parameter's default.
 */
import { z } from 'zod';
import { AugmentStep } from './spec';

interface JsonProp {
  readonly default?: unknown;
  readonly description?: string;
}

interface JsonStep {
  readonly description?: string;
  readonly properties: Record<string, JsonProp & { readonly const?: string }>;
}

/** Markdown table: | type | what it does | parameters (defaults) |. */
export function augmentTable(): string {
  const schema = z.toJSONSchema(AugmentStep, { io: 'input' }) as { oneOf?: JsonStep[]; anyOf?: JsonStep[] };
  const steps = schema.oneOf ?? schema.anyOf ?? [];
  const rows = steps.map((s) => {
    const { type, ...params } = s.properties;
    const list = Object.entries(params)
      .map(([name, p]) => `\`${name}\`${p.default === undefined ? '' : ` = ${JSON.stringify(p.default)}`}`)
      .join(', ');
    return `| \`${type.const}\` | ${(s.description ?? '').replace(/\|/g, '\\|')} | ${list} |`;
  });
  return ['| type | what it does | parameters (defaults) |', '| --- | --- | --- |', ...rows].join('\n');
}
