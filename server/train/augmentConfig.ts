/**
 * `train.augment` -> the list of augmentation steps (server/data/augment/spec.ts): a preset name, a list of
 * steps with parameters, or the older `{hflip, vflip, rot90}` switches. No tfjs import (the CLI's
 * `data preview` uses it).
 */
import type { ResolvedConfig } from '../config/load';
import { AUGMENT_PRESETS, type AugmentStepInput } from '../data/augment/spec';

export type AugmentSetting = ResolvedConfig['train']['augment'];

/** The steps `train.augment` stands for (without the sizing step, which `input.resize` adds). */
export function augmentStepsOf(augment: AugmentSetting): AugmentStepInput[] {
  if (augment === 'none') return [];
  if (typeof augment === 'string') return AUGMENT_PRESETS[augment].map((s) => ({ ...s }));
  if (Array.isArray(augment)) return augment.map((s) => ({ ...s }) as AugmentStepInput);
  const out: AugmentStepInput[] = [];
  if (augment.hflip) out.push({ type: 'hflip' });
  if (augment.vflip) out.push({ type: 'vflip' });
  if (augment.rot90) out.push({ type: 'rot90' });
  return out;
}

/** A short description for logs: the preset name or the step types. */
export function describeAugment(augment: AugmentSetting): string {
  if (typeof augment === 'string') return `'${augment}'`;
  const steps = augmentStepsOf(augment);
  return steps.length ? steps.map((s) => s.type).join(', ') : 'none';
}
