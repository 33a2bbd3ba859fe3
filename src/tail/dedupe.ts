// "Print each event once" with bounded memory: TikTok delivers at least once (retries for 72 hours), so
// the same message can arrive again. A Map keeps insertion order, so the oldest keys go first when full.
export class DedupeSet {
  private readonly keys = new Map<string, true>();

  constructor(readonly capacity = 50_000) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Adds the key; false when it was already there (a duplicate). */
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.set(key, true);
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
