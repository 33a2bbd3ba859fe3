// An account's tokens in use: refreshed ahead of expiry, refreshed once on TikTok's 40105, and rotated
// refresh tokens persisted under the store's lock before anything uses the new access token.
import { asCliError, CliError, tiktokCodeOf } from '../errors.js';
import { rescueRotatedPair } from './rescue.js';
import type { TikTokClient } from '../tiktok/client.js';
import { REFRESH_MARGIN_SECONDS } from '../tiktok/limits.js';
import { refreshAccessToken, type TokenGrant } from '../tiktok/oauth.js';
import type { AccountStore, ResolvedAccount } from '../store/accounts.js';
import { quoteArg, revocationError } from './lifetimes.js';

export interface SessionDeps {
  store: AccountStore;
  client: TikTokClient;
  now: () => number;
  debugLog?: (line: string) => void;
  /** Where a rotated pair that could not be stored is shown once (default: stderr). */
  emergency?: (text: string) => void;
}

export function reauthorizeError(account: ResolvedAccount, reason: string, cause?: unknown): CliError {
  const hint =
    account.source === 'env'
      ? 'Get a new token pair (tiktok-channel connect on a machine with a browser, then `tiktok-channel refresh --json`) and update TIKTOK_CHANNEL_ACCESS_TOKEN / TIKTOK_CHANNEL_REFRESH_TOKEN.'
      : `Run \`tiktok-channel refresh --reauthorize${account.channelName ? ` --account ${quoteArg(account.channelName)}` : ''}\` to sign in again.`;
  // TikTok's code and request_id travel on, so a support ticket can name the refused call.
  const requestId = typeof cause === 'object' && cause !== null ? (cause as { requestId?: unknown }).requestId : undefined;
  return new CliError('auth', reason, { hint, tiktokCode: tiktokCodeOf(cause), requestId: typeof requestId === 'string' ? requestId : undefined, cause });
}

/** TikTok's "the refresh token expired" (§6): only a new consent helps, 365 days after the last one. */
const REFRESH_TOKEN_EXPIRED = 40103;
/** The access token expired (40102) or is invalid or expired (40105): refresh once, then retry (§6). */
const REFRESH_AND_RETRY = new Set([40102, 40105]);

/** TikTok's "the refresh token is invalid" (§6). */
const REFRESH_TOKEN_INVALID = 40107;

/** A refusal of the refresh token itself: by TikTok's code first (40103, 40107), else any auth refusal. */
function refusesRefreshToken(error: unknown): boolean {
  const code = tiktokCodeOf(error);
  if (code === REFRESH_TOKEN_EXPIRED || code === REFRESH_TOKEN_INVALID) return true;
  return error instanceof CliError && error.kind === 'auth';
}

export class Session {
  /** TikTok refused the refresh token (revoked, expired or already used) during this session. */
  refreshRefused = false;
  /** The refresh under way for a stale token, which every concurrent call that found it stale awaits. */
  private refreshing?: Promise<unknown>;

  constructor(
    private account: ResolvedAccount,
    private readonly deps: SessionDeps,
  ) {}

  get current(): ResolvedAccount {
    return this.account;
  }

  /** The client this session talks through (the account's API: TikTok, a served or the embedded sandbox). */
  get client(): TikTokClient {
    return this.deps.client;
  }

  private expiresSoon(): boolean {
    return this.account.accessTokenExpiresAt - this.deps.now() <= REFRESH_MARGIN_SECONDS * 1000;
  }

  /** A usable access token, refreshed first when it expires within 5 minutes. */
  async accessToken(): Promise<string> {
    // TikTok already revoked the tokens (authorization.removed): refreshing cannot help, consent can.
    const revoked = revocationError(this.account);
    if (revoked) throw revoked;
    if (this.account.source === 'store' && this.expiresSoon()) await this.refreshOnce(this.account.accessToken);
    return this.account.accessToken;
  }

  /**
   * Concurrent calls that found the same token stale (a command's parallel requests) share one refresh.
   * Each on its own would queue on the store's lock, and after a failed refresh the next would take the
   * lock just as the failing command exits, leaving it for the next command to wait out (15 s).
   */
  private async refreshOnce(staleToken: string): Promise<void> {
    this.refreshing ??= this.refresh({ staleToken }).finally(() => {
      this.refreshing = undefined;
    });
    await this.refreshing;
  }

  /**
   * Runs a call with a fresh token; when TikTok says the access token is expired or invalid (40102, 40105)
   * it refreshes once and tries again.
   * Env credentials are never rotated implicitly: the new refresh token would be lost with the CI job.
   */
  async call<T>(fn: (accessToken: string) => Promise<T>): Promise<T> {
    const token = await this.accessToken();
    try {
      return await fn(token);
    } catch (error) {
      error = asCliError(error);
      if (!(error instanceof CliError) || !REFRESH_AND_RETRY.has(error.tiktokCode ?? 0)) throw error;
      if (this.account.source === 'env') {
        throw new CliError('auth', `${error.message} (the token from TIKTOK_CHANNEL_ACCESS_TOKEN)`, {
          hint: 'Run `tiktok-channel refresh --json` with TIKTOK_CHANNEL_REFRESH_TOKEN set, store the printed pair, and use the new access token.',
          tiktokCode: error.tiktokCode,
          requestId: error.requestId,
        });
      }
      this.deps.debugLog?.(`TikTok answered ${error.tiktokCode}: refreshing the access token once and retrying`);
      await this.refreshOnce(token);
      return fn(this.account.accessToken);
    }
  }

  /**
   * Renews the access token. Under the store's lock it re-reads the account first: when another process
   * already rotated (the stored token differs from the one we found stale), it adopts that instead of
   * spending the refresh token again. The rotated pair is written before the lock is released.
   */
  async refresh(options: { staleToken?: string; force?: boolean } = {}): Promise<{ grant?: TokenGrant; rotated: boolean }> {
    if (this.account.source === 'env') return this.refreshEnv();
    const revoked = revocationError(this.account);
    if (revoked) throw revoked;
    const { store, client, now } = this.deps;
    const businessId = this.account.businessId;
    let answeredAt = 0;
    const outcome = await store.transaction(
      async (shape) => {
        const latest = shape.accounts[businessId];
        if (!latest) throw reauthorizeError(this.account, `The account ${this.account.channelName} was disconnected while refreshing.`);
        const stale = options.staleToken ?? this.account.accessToken;
        const someoneElseRotated = latest.accessToken !== stale && latest.accessTokenExpiresAt - now() > REFRESH_MARGIN_SECONDS * 1000;
        if (someoneElseRotated && !options.force) {
          return { account: latest, rotated: false as const, grant: undefined };
        }
        if (!latest.refreshToken || latest.refreshTokenExpiresAt <= now()) {
          this.refreshRefused = true;
          throw reauthorizeError(this.account, 'The refresh token has expired, so the access token cannot be renewed.');
        }
        let grant: TokenGrant;
        try {
          grant = await refreshAccessToken(
            client,
            { clientKey: latest.clientKey, clientSecret: latest.clientSecret },
            latest.refreshToken,
            now,
            latest.refreshTokenExpiresAt,
          );
        } catch (error) {
          error = asCliError(error);
          if (!refusesRefreshToken(error)) throw error;
          this.refreshRefused = true;
          const message = error instanceof Error ? error.message : String(error);
          const cause = error;
          if (tiktokCodeOf(error) !== REFRESH_TOKEN_EXPIRED) {
            throw reauthorizeError(this.account, `TikTok refused the refresh token (${message}); it was revoked, expired or already used.`, cause);
          }
          // TikTok's word that the consent's 365 days are over: stored, so status and doctor say so offline.
          latest.refreshTokenExpiresAt = Math.min(latest.refreshTokenExpiresAt, now());
          latest.updatedAt = now();
          return {
            account: latest,
            rotated: false as const,
            grant: undefined,
            refused: reauthorizeError(
              this.account,
              `TikTok says the refresh token has expired (${message}): a refresh token ends 365 days after the consent, however often it was refreshed.`,
              cause,
            ),
          };
        }
        answeredAt = performance.now();
        latest.accessToken = grant.accessToken;
        latest.accessTokenExpiresAt = grant.accessTokenExpiresAt;
        latest.refreshToken = grant.refreshToken;
        latest.refreshTokenExpiresAt = grant.refreshTokenExpiresAt;
        if (grant.scopes.length) latest.scopes = grant.scopes;
        latest.updatedAt = now();
        return { account: latest, rotated: true as const, grant };
      },
      {
        unchangedNote: 'The refresh token was not used: free some space and run the command again.',
        // Only a rotation has something to lose: without one the stored pair is still the live one.
        onLostWrite: (shape, error) => (answeredAt ? rescueRotatedPair(shape.accounts[businessId]!, store.path, error, this.deps.emergency) : error),
      },
    );
    if (answeredAt)
      this.deps.debugLog?.(`the rotated pair was held in memory only for ${(store.lastCommitAt - answeredAt).toFixed(1)} ms (write, fsync, rename)`);
    this.account = { ...outcome.account, source: 'store' };
    if ('refused' in outcome && outcome.refused) throw outcome.refused;
    return { grant: outcome.grant, rotated: outcome.rotated };
  }

  private async refreshEnv(): Promise<{ grant: TokenGrant; rotated: boolean }> {
    const account = this.account;
    if (!account.refreshToken) {
      throw new CliError('usage', 'TIKTOK_CHANNEL_REFRESH_TOKEN is not set, so env credentials cannot be refreshed.', {
        hint: 'Set TIKTOK_CHANNEL_REFRESH_TOKEN (and TIKTOK_CHANNEL_CLIENT_KEY / TIKTOK_CHANNEL_CLIENT_SECRET) to refresh in CI.',
      });
    }
    if (!account.clientKey || !account.clientSecret) {
      throw new CliError('usage', 'TIKTOK_CHANNEL_CLIENT_KEY and TIKTOK_CHANNEL_CLIENT_SECRET are needed to refresh env credentials.');
    }
    let grant: TokenGrant;
    try {
      grant = await refreshAccessToken(
        this.deps.client,
        { clientKey: account.clientKey, clientSecret: account.clientSecret },
        account.refreshToken,
        this.deps.now,
      );
    } catch (error) {
      error = asCliError(error);
      if (refusesRefreshToken(error)) {
        this.refreshRefused = true;
        const message = error instanceof Error ? error.message : String(error);
        throw reauthorizeError(account, `TikTok refused TIKTOK_CHANNEL_REFRESH_TOKEN (${message}); it was revoked, expired or already used.`, error);
      }
      throw error;
    }
    this.account = {
      ...account,
      accessToken: grant.accessToken,
      accessTokenExpiresAt: grant.accessTokenExpiresAt,
      refreshToken: grant.refreshToken,
      refreshTokenExpiresAt: grant.refreshTokenExpiresAt,
      scopes: grant.scopes.length ? grant.scopes : account.scopes,
    };
    return { grant, rotated: true };
  }
}
