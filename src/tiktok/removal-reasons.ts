// authorization.removed's `reason` in words, apart from the event decoder so that stored state
// (a revoked account) can be described without loading it.

/** authorization.removed's `reason` in words (tiktok-api.md §5, medium-low). */
const REMOVAL_REASONS: Record<number, string> = {
  0: 'unknown',
  1: 'the account holder disconnected the app in TikTok',
  2: 'the account was deleted',
  3: "the account holder's age changed",
  4: 'the account was banned',
  5: 'the developer revoked access',
};

/** The words for an authorization.removed reason; a number TikTok has not documented is named as such. */
export function authorizationRemovedReason(reason: number | null): string {
  if (reason === null) return 'unknown (no reason given)';
  return REMOVAL_REASONS[reason] ?? `reason ${reason} (not documented)`;
}
