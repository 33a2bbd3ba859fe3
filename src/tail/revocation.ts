// authorization.removed (tiktok-api.md §5, medium-low): the account holder took the app's access away and
// TikTok already revoked the token. tail says so loudly and marks the stored account `revoked` (when and
// why), so status, doctor and every command name the cause instead of trying to refresh a dead token.
// Only the stored account whose business_id is the delivery's user_openid is marked.
import { formatTime } from '../io/format.js';
import type { IO } from '../io/io.js';
import type { AccountStore } from '../store/accounts.js';
import type { DecodedEvent } from '../tiktok/events.js';

export class RevocationMarker {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: { store: () => AccountStore; io: IO; now: () => number }) {}

  /** Marks the account an authorization.removed delivery names; anything else is ignored. Never throws. */
  handle(event: DecodedEvent, receivedAt: number): void {
    if (event.kind !== 'authorization_removed' || !event.business_id) return;
    const work = this.mark(event, event.business_id, receivedAt).catch((error: unknown) => {
      this.deps.io.warn(`Could not mark ${event.business_id} as revoked in the account file: ${error instanceof Error ? error.message : String(error)}`);
    });
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Resolves once every mark started has been written (or reported). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private async mark(event: DecodedEvent, businessId: string, receivedAt: number): Promise<void> {
    const { io } = this.deps;
    // TikTok's own time (create_time, whole seconds) when it gave one, else when it arrived.
    const at = event.timestamp ?? receivedAt;
    const reason = event.authorization?.reason ?? null;
    const outcome = await this.deps.store().transaction((shape) => {
      const account = shape.accounts[businessId];
      if (!account) return undefined;
      // A removal older than the account's latest consent (a redelivery: TikTok retries for 72 hours)
      // must not revoke the new one; create_time is whole seconds, hence the second of slack.
      if (account.consentedAt !== undefined && account.consentedAt >= at + 1000) return { name: account.channelName, stale: true };
      account.revoked = { at, reason };
      account.updatedAt = this.deps.now();
      return { name: account.channelName, stale: false };
    });
    if (!outcome) return;
    const why = event.authorization?.reason_text ?? 'unknown';
    if (outcome.stale) {
      io.info(
        `${outcome.name}: an earlier removal of the app (${formatTime(at)}, ${why}) arrived after the account holder consented again; the account stays connected.`,
      );
      return;
    }
    io.warn(
      `${outcome.name}: the account holder removed the app on ${formatTime(at).slice(0, 10)} (${why}). TikTok revoked its tokens; ` +
        'the account is marked revoked here: run `tiktok-channel connect` again once the holder agrees.',
    );
  }
}
