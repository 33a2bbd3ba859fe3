// Which account a delivery is for, and which app secret verifies it. The callback is app-wide, so one
// receiver hears every account connected to the app: a delivery's `user_openid` picks the account among
// the stored ones. A delivery for no served account is still verified (with its app's secret) and
// answered 200, but never handled with another account's credentials.

export interface ServedAccount {
  businessId: string;
  channelName: string;
  username?: string;
  clientKey: string;
  clientSecret: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class AccountDirectory {
  private readonly byId = new Map<string, ServedAccount>();
  private readonly secretByKey = new Map<string, string>();
  private readonly allSecrets: string[];
  /** Each served account's secrets to try, worked out once rather than for every delivery. */
  private readonly secretsById = new Map<string, string[]>();

  /** `envSecret`: TIKTOK_CHANNEL_CLIENT_SECRET, tried for every delivery (an app without a stored account). */
  constructor(
    readonly accounts: ServedAccount[],
    private readonly envSecret?: string,
  ) {
    for (const account of accounts) {
      this.byId.set(account.businessId, account);
      if (account.clientKey && account.clientSecret) this.secretByKey.set(account.clientKey, account.clientSecret);
    }
    this.allSecrets = unique([envSecret, ...accounts.map((account) => account.clientSecret)]);
    for (const [businessId, account] of this.byId) this.secretsById.set(businessId, unique([account.clientSecret, envSecret]));
  }

  get(businessId: string | null | undefined): ServedAccount | undefined {
    return businessId ? this.byId.get(businessId) : undefined;
  }

  /** Whether any secret is known at all (without one, nothing can be verified). */
  get hasSecrets(): boolean {
    return this.allSecrets.length > 0;
  }

  /**
   * The secrets to try. A delivery naming a served account is verified with that account's app secret
   * (or TIKTOK_CHANNEL_CLIENT_SECRET) only, never with another account's. Anything else: the app the
   * envelope names, the env secret, then every known app's (a body that is not JSON names nothing).
   */
  candidates(envelope: unknown): string[] {
    if (!isObject(envelope)) return this.allSecrets;
    const secrets = typeof envelope.user_openid === 'string' ? this.secretsById.get(envelope.user_openid) : undefined;
    if (secrets) return secrets;
    const app = typeof envelope.client_key === 'string' ? this.secretByKey.get(envelope.client_key) : undefined;
    return unique([app, this.envSecret, ...this.allSecrets]);
  }
}

function unique(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((value): value is string => typeof value === 'string' && value.length > 0))];
}
