/** One-line summaries of a sanity verdict, for the CodeLens above `build` and the status bar. No tfjs import. */
import type { SanityVerdict } from '../protocol';

/** 1942306 → "1.94 M", 482466 → "482.5 k", 98 → "98". */
export function formatParams(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

/** The first sentence of `message`, at most `max` characters (cut with "…"). */
export function shortMessage(message: string, max = 90): string {
  const first = message.split(/(?<=\.)\s/)[0].replace(/\.$/, '');
  return first.length <= max ? first : `${first.slice(0, max - 1).trimEnd()}…`;
}

/**
 * The CodeLens title: "✓ sanity 1.4 s · 1.94 M params · loss 0.69 → 0.41" when the run passed (plus the number
 * of warnings), "✗ sanity 0.3 s · <first error>" when it failed, "✗ sanity failed: exceeded 30 s" and the like
 * when the worker had to be stopped.
 */
export function formatSanityLens(v: SanityVerdict): string {
  const secs = `${v.seconds.toFixed(1)} s`;
  switch (v.status) {
    case 'passed': {
      const parts = [`✓ sanity ${secs}`];
      if (v.params) parts.push(`${formatParams(v.params.trainable)} params`);
      if (v.losses.length) parts.push(`loss ${v.losses[0].toFixed(2)} → ${v.losses[v.losses.length - 1].toFixed(2)}`);
      const warnings = v.diagnostics.filter((d) => d.severity === 'warning').length;
      if (warnings) parts.push(`${warnings} warning${warnings > 1 ? 's' : ''}`);
      return parts.join(' · ');
    }
    case 'failed': {
      const errors = v.diagnostics.filter((d) => d.severity === 'error').length;
      const count = errors > 1 ? ` · ${errors} errors` : '';
      return `✗ sanity ${secs}${count} · ${shortMessage(v.message)}`;
    }
    case 'timeout':
      return `✗ sanity ${v.message}`;
    case 'oom':
      return '✗ sanity ran out of memory';
    case 'crashed':
      return `✗ sanity ${shortMessage(v.message)}`;
    case 'cancelled':
      return '… sanity cancelled';
  }
}
