/**
 * Deterministic weight initialisation. TF.js initialisers draw their seed from `Math.random()` when none is given
 * (tfjs-core's random ops seed an Alea generator with it), so building a model while `Math.random` is a seeded
 * generator makes the initial weights a function of the seed: the same config gives the same run.
 */
import { mixSeed, mulberry32 } from '../data/rng';

/** Runs `build` with `Math.random` replaced by a generator seeded with `seed`, restoring it afterwards. */
export function withSeededRandom<T>(seed: number, build: () => T): T {
  const original = Math.random;
  Math.random = mulberry32(mixSeed(seed, 0x1417));
  try {
    return build();
  } finally {
    Math.random = original;
  }
}
