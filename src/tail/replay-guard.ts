// The replay guard: a byte-exact replay of a delivery (same event, same signature time) is refused for
// as long as its signature is fresh, however many deliveries came between. A signature older than the
// tolerance is refused as stale anyway, so a pair is kept exactly until `t + tolerance` and then
// dropped: memory is bounded by time, not by count. Should that still be too much (a flood of validly
// signed deliveries), the guard refuses new ones (the receiver answers 503, TikTok retries) rather than
// forget a pair that could then be replayed.

export interface ReplayGuardOptions {
  toleranceSeconds: number;
  /** The memory ceiling: pairs kept at most (default 200,000, about 30 MB). */
  maxEntries?: number;
  now?: () => number;
}

export type Reservation = 'reserved' | 'replay' | 'full';

export class ReplayGuard {
  private readonly pairs = new Set<string>();
  /** Pairs by signature time, to drop each second's pairs at once when they go stale. */
  private readonly bySecond = new Map<number, string[]>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  private prunedAt = 0;

  constructor(private readonly options: ReplayGuardOptions) {
    this.maxEntries = options.maxEntries ?? 200_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.pairs.size;
  }

  /**
   * Checks and records in one step (nothing async between), so two identical requests at once cannot
   * both be taken: 'reserved' for the first, 'replay' for any other while the pair is fresh.
   */
  reserve(key: string, signedAt: number): Reservation {
    this.prune();
    const pair = `${signedAt}|${key}`;
    if (this.pairs.has(pair)) return 'replay';
    if (this.isStale(signedAt)) return 'reserved';
    if (this.pairs.size >= this.maxEntries) return 'full';
    this.pairs.add(pair);
    const second = this.bySecond.get(signedAt);
    if (second) second.push(pair);
    else this.bySecond.set(signedAt, [pair]);
    return 'reserved';
  }

  /** Forgets a reservation whose delivery was not kept (journal write failed: TikTok will retry it). */
  release(key: string, signedAt: number): void {
    this.pairs.delete(`${signedAt}|${key}`);
  }

  /** Records a pair read back from the journal at start (a replay right after a restart is still one). */
  remember(key: string, signedAt: number): void {
    if (signedAt > 0 && !this.isStale(signedAt) && this.pairs.size < this.maxEntries) this.reserve(key, signedAt);
  }

  private isStale(signedAt: number): boolean {
    return signedAt + this.options.toleranceSeconds < Math.floor(this.now() / 1000);
  }

  private prune(): void {
    const nowSeconds = Math.floor(this.now() / 1000);
    if (nowSeconds === this.prunedAt) return;
    this.prunedAt = nowSeconds;
    for (const [second, pairs] of this.bySecond) {
      if (second + this.options.toleranceSeconds >= nowSeconds) continue;
      for (const pair of pairs) this.pairs.delete(pair);
      this.bySecond.delete(second);
    }
  }
}
