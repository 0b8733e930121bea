/** Where `model.module` points. No tfjs import (the server process uses it). */
import * as path from 'node:path';
import type { ResolvedConfig } from '../config/load';

/** Absolute path of `model.module` (relative to the config file, or `cwd` for the built-in config); null if unset. */
export function modulePathOf(cfg: ResolvedConfig, cwd = process.cwd()): string | null {
  const m = cfg.model.module;
  if (!m) return null;
  return path.resolve(cfg.source ? path.dirname(cfg.source) : cwd, m);
}
