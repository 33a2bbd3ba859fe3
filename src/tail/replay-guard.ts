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
  /**
   * Signature times by key: one number for the usual single arrival, a list once TikTok redelivers. The
   * key is the very string the dedupe set keeps, so a pair costs no string of its own.
   */
  private readonly times = new Map<string, number | number[]>();
  private count = 0;
  /** Keys by signature time, to drop each second's pairs at once when they go stale. */
  private readonly bySecond = new Map<number, string[]>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  private prunedAt = 0;

  constructor(private readonly options: ReplayGuardOptions) {
    this.maxEntries = options.maxEntries ?? 200_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Checks and records in one step (nothing async between), so two identical requests at once cannot
   * both be taken: 'reserved' for the first, 'replay' for any other while the pair is fresh.
   */
  reserve(key: string, signedAt: number): Reservation {
    this.prune();
    const known = this.times.get(key);
    if (known === signedAt || (Array.isArray(known) && known.includes(signedAt))) return 'replay';
    if (this.isStale(signedAt)) return 'reserved';
    if (this.count >= this.maxEntries) return 'full';
    if (known === undefined) this.times.set(key, signedAt);
    else if (Array.isArray(known)) known.push(signedAt);
    else this.times.set(key, [known, signedAt]);
    this.count++;
    const second = this.bySecond.get(signedAt);
    if (second) second.push(key);
    else this.bySecond.set(signedAt, [key]);
    return 'reserved';
  }

  /** Forgets a reservation whose delivery was not kept (journal write failed: TikTok will retry it). */
  release(key: string, signedAt: number): void {
    this.forget(key, signedAt);
  }

  /** Records a pair read back from the journal at start (a replay right after a restart is still one). */
  remember(key: string, signedAt: number): void {
    if (signedAt > 0 && !this.isStale(signedAt) && this.count < this.maxEntries) this.reserve(key, signedAt);
  }

  private forget(key: string, signedAt: number): void {
    const known = this.times.get(key);
    if (known === signedAt) {
      this.times.delete(key);
      this.count--;
    } else if (Array.isArray(known)) {
      const index = known.indexOf(signedAt);
      if (index < 0) return;
      known.splice(index, 1);
      this.count--;
      if (known.length === 1) this.times.set(key, known[0]!);
    }
  }

  private isStale(signedAt: number): boolean {
    return signedAt + this.options.toleranceSeconds < Math.floor(this.now() / 1000);
  }

  private prune(): void {
    const nowSeconds = Math.floor(this.now() / 1000);
    if (nowSeconds === this.prunedAt) return;
    this.prunedAt = nowSeconds;
    for (const [second, keys] of this.bySecond) {
      if (second + this.options.toleranceSeconds >= nowSeconds) continue;
      // A key released and taken again within the second is listed twice: forgetting it twice is a no-op.
      for (const key of keys) this.forget(key, second);
      this.bySecond.delete(second);
    }
  }
}
