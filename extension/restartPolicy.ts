/**
 * When to restart a server that died unexpectedly: at most `maxRestarts` within `windowMs` (vscode-languageclient's
 * rule: 5 crashes in 3 minutes and it gives up). A server stopped on purpose is never restarted; that decision
 * belongs to the caller, which only asks this policy about unexpected deaths.
 */
export interface RestartDecision {
  readonly restart: boolean;
  /** Human-readable reason, shown in the notification. */
  readonly reason: string;
}

export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    readonly maxRestarts = 5,
    readonly windowMs = 3 * 60_000,
  ) {}

  /** Records a crash at `now` and says whether to restart. */
  onCrash(now: number): RestartDecision {
    this.crashes = this.crashes.filter((t) => now - t < this.windowMs);
    this.crashes.push(now);
    const n = this.crashes.length;
    const minutes = Math.round(this.windowMs / 60_000);
    if (n > this.maxRestarts) {
      return {
        restart: false,
        reason: `the server crashed ${n} times in ${minutes} minute(s); SegLab stopped restarting it. Fix the cause shown in the log, then run any SegLab command to start it again.`,
      };
    }
    return { restart: true, reason: `restarting it (${n} of at most ${this.maxRestarts} restarts in ${minutes} minute(s))` };
  }

  /** Forgets past crashes (after the user restarts the server by hand). */
  reset(): void {
    this.crashes = [];
  }
}
