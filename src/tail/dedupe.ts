// "Print each event once" with bounded memory: TikTok delivers at least once (retries for 72 hours), so
// the same message can arrive again. Each key keeps the signature time (`t`) it arrived with. Refusing
// byte-exact replays is not this set's job (it forgets the oldest keys when full): the receiver's
// ReplayGuard keeps every pair for the whole tolerance window. A Map keeps insertion order, so the
// oldest keys go first when full.
export class DedupeSet {
  private readonly keys = new Map<string, number>();

  constructor(readonly capacity = 50_000) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** The signature time the key was first seen with (0 when unknown, e.g. read back from the journal). */
  signedAt(key: string): number | undefined {
    return this.keys.get(key);
  }

  /** Adds the key; false when it was already there (a duplicate). */
  add(key: string, signedAt = 0): boolean {
    if (this.keys.has(key)) return false;
    this.keys.set(key, signedAt);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.keys.size;
  }
}
