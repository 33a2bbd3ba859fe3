// How a running `tail` ends: the first reason wins (Ctrl-C, SIGTERM, --count reached, --timeout), and
// what it counted on the way.
export type StopReason = 'interrupt' | 'terminate' | 'count' | 'timeout';

/** The first reason to stop wins; `reason` is readable at once, `done` resolves with it. */
export class Stop {
  reason: StopReason | undefined;
  readonly done: Promise<StopReason>;
  readonly signal: AbortSignal;
  private resolve!: (reason: StopReason) => void;
  private readonly controller = new AbortController();

  constructor() {
    this.done = new Promise((resolve) => (this.resolve = resolve));
    this.signal = this.controller.signal;
  }

  stop(reason: StopReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.resolve(reason);
    this.controller.abort();
  }
}

export interface Stats {
  received: number;
  printed: number;
  duplicates: number;
  filtered: number;
  refused: number;
  unknownAccount: number;
  replayed: number;
}
