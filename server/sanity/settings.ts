/**
 * The `sanity` section of `seglab.json`: how big the hot sanity run is and how long and how much memory it may
 * take. zod only (no tfjs): the config schema (server/config/schema.ts) imports it.
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();

export const SanitySettingsSchema = z
  .object({
    size: z
      .union([positiveInt, z.tuple([positiveInt, positiveInt])])
      .default(64)
      .describe('Sanity batch crop [height, width] (or one number for a square); the model is built for this size.'),
    batchSize: positiveInt.default(2).describe('Images in the fixed sanity batch (the first ones of the training set).'),
    steps: positiveInt.max(100).default(5).describe('Optimisation steps on the sanity batch ("can it overfit one batch?").'),
    timeBudgetSeconds: z
      .number()
      .positive()
      .max(600)
      .default(30)
      .describe('A sanity run taking longer is stopped with "failed: exceeded N s" (infinite loops, huge models).'),
    memoryLimitMb: positiveInt
      .min(256)
      .default(2048)
      .describe("JavaScript heap cap of the sanity worker process (node's --max-old-space-size), in MB."),
  })
  .strict();

export type SanitySettingsInput = z.input<typeof SanitySettingsSchema>;

/** Complete sanity settings, every default filled in. */
export interface SanitySettings {
  readonly size: [number, number];
  readonly batchSize: number;
  readonly steps: number;
  readonly timeBudgetSeconds: number;
  readonly memoryLimitMb: number;
}

/** The defaults: 64×64, batch 2, 5 steps. */
export const DEFAULT_SANITY: SanitySettings = Object.freeze({
  size: [64, 64] as [number, number],
  batchSize: 2,
  steps: 5,
  timeBudgetSeconds: 30,
  memoryLimitMb: 2048,
});

/**
 * Complete settings from the config's `sanity` section (parsed or raw) with `overrides` on top (the request's own,
 * e.g. a benchmark asking for a smaller batch). Throws with the field name on a bad value.
 */
export function resolveSanitySettings(section: unknown, overrides: SanitySettingsInput = {}): SanitySettings {
  const merged = { ...(typeof section === 'object' && section !== null ? section : {}), ...overrides };
  const r = SanitySettingsSchema.safeParse(merged);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = ['sanity', ...issue.path.map(String)].join('.');
    throw new Error(`\`${field}\`: ${issue.message}`);
  }
  const s = r.data;
  return {
    size: typeof s.size === 'number' ? [s.size, s.size] : [s.size[0], s.size[1]],
    batchSize: s.batchSize,
    steps: s.steps,
    timeBudgetSeconds: s.timeBudgetSeconds,
    memoryLimitMb: s.memoryLimitMb,
  };
}
