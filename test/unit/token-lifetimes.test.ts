// The pieces behind issue 22 §2–§3 that need no server: what a refresh answer does to the refresh token's
// end (taken as given, never extended), the account file's new fields (tolerant of older files), and the
// decoder's authorization.removed kind with its reason in words.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawRequest, Transport } from '../../src/http/raw.js';
import { AccountStore } from '../../src/store/accounts.js';
import { TikTokClient } from '../../src/tiktok/client.js';
import { describeEvent } from '../../src/tiktok/event-describe.js';
import { decodeEvent } from '../../src/tiktok/events.js';
import { refreshAccessToken } from '../../src/tiktok/oauth.js';
import { renderEvent } from '../../src/tail/render.js';
import { tempConfigDir } from '../helpers/cli.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T12:00:00Z');

/** A TikTok that answers every request with this refresh answer's `data`. */
function answering(data: Record<string, unknown>): TikTokClient {
  const transport: Transport = async (_request: RawRequest) => ({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: new TextEncoder().encode(JSON.stringify({ code: 0, message: 'OK', request_id: 'r1', data })),
  });
  return new TikTokClient({ baseUrl: 'http://tiktok.test/open_api/v1.3/', transport, sleep: async () => undefined, pacer: false });
}

const APP = { clientKey: 'awkey', clientSecret: 'secret' };

describe("a refresh answer and the refresh token's end", () => {
  it("takes refresh_token_expires_in as given, counted from the answer (python-tiktok's recorded 31,527,314 s)", async () => {
    const client = answering({ access_token: 'act.2', refresh_token: 'rft.2', expires_in: 86_400, refresh_token_expires_in: 31_527_314 });
    const grant = await refreshAccessToken(client, APP, 'rft.1', () => NOW, NOW + 365 * DAY);
    expect(grant.refreshTokenExpiresAt).toBe(NOW + 31_527_314_000);
  });

  it('an answer without refresh_token_expires_in keeps the end it had: refreshing never extends it', async () => {
    const before = NOW + 25 * DAY;
    const client = answering({ access_token: 'act.2', refresh_token: 'rft.2', expires_in: 86_400 });
    const grant = await refreshAccessToken(client, APP, 'rft.1', () => NOW, before);
    expect(grant.refreshToken).toBe('rft.2');
    expect(grant.refreshTokenExpiresAt).toBe(before);
  });

  it('refresh_token_expires_in 0 means it ends now, not 365 more days', async () => {
    const client = answering({ access_token: 'act.2', refresh_token: 'rft.2', expires_in: 86_400, refresh_token_expires_in: 0 });
    const grant = await refreshAccessToken(client, APP, 'rft.1', () => NOW, NOW + DAY);
    expect(grant.refreshTokenExpiresAt).toBe(NOW);
  });
});

describe('the account file', () => {
  const account = {
    businessId: 'biz-1',
    channelName: 'acme',
    scopes: [],
    accessToken: 'act.1',
    accessTokenExpiresAt: NOW,
    refreshToken: 'rft.1',
    refreshTokenExpiresAt: NOW + DAY,
    clientKey: 'k',
    clientSecret: 's',
    connectedAt: NOW,
    updatedAt: NOW,
  };

  it('reads an account stored before consentedAt and revoked existed', () => {
    const dir = tempConfigDir();
    writeFileSync(join(dir, 'accounts.json'), JSON.stringify({ version: 1, accounts: { 'biz-1': account } }), { mode: 0o600 });
    const stored = new AccountStore({ configDir: dir }).resolve('biz-1');
    expect(stored.consentedAt).toBeUndefined();
    expect(stored.revoked).toBeUndefined();
  });

  it('keeps consentedAt and revoked, and names a revoked mark in another shape', () => {
    const dir = tempConfigDir();
    const path = join(dir, 'accounts.json');
    writeFileSync(path, JSON.stringify({ version: 1, accounts: { 'biz-1': { ...account, consentedAt: NOW - DAY, revoked: { at: NOW, reason: 1 } } } }), {
      mode: 0o600,
    });
    expect(new AccountStore({ configDir: dir }).resolve('biz-1')).toMatchObject({ consentedAt: NOW - DAY, revoked: { at: NOW, reason: 1 } });
    writeFileSync(path, JSON.stringify({ version: 1, accounts: { 'biz-1': { ...account, revoked: true } } }), { mode: 0o600 });
    expect(() => new AccountStore({ configDir: dir }).read()).toThrow(/revoked is true, expected an object \{at/);
  });
});

describe('authorization.removed', () => {
  const removal = (content: unknown) =>
    decodeEvent(
      JSON.stringify({
        client_key: 'awkey',
        event: 'authorization.removed',
        create_time: 1_780_000_000,
        user_openid: 'biz-1',
        content: JSON.stringify(content),
      }),
    );

  it('gets its own kind, the account and the reason in words', () => {
    const words = [
      'unknown',
      'the account holder disconnected the app in TikTok',
      'the account was deleted',
      "the account holder's age changed",
      'the account was banned',
      'the developer revoked access',
    ];
    words.forEach((text, reason) => {
      const event = removal({ reason });
      expect(event).toMatchObject({ kind: 'authorization_removed', business_id: 'biz-1', authorization: { reason, reason_text: text }, problems: [] });
      expect(describeEvent(event)).toBe(`the account holder removed the app: ${text}`);
    });
    expect(removal({ reason: 1 }).timestamp).toBe(1_780_000_000_000);
  });

  it('tolerates a reason as text, an undocumented one, and none', () => {
    expect(removal({ reason: '2' }).authorization).toEqual({ reason: 2, reason_text: 'the account was deleted' });
    expect(removal({ reason: 9 }).authorization).toEqual({ reason: 9, reason_text: 'reason 9 (not documented)' });
    expect(removal({}).authorization).toEqual({ reason: null, reason_text: 'unknown (no reason given)' });
  });

  it('reads on a terminal as the app removed, not as one more message', () => {
    const plain = (text: string) => text;
    const color = { dim: plain, red: plain, bold: plain, green: plain, cyan: plain, yellow: plain } as never;
    expect(renderEvent(removal({ reason: 4 }), { color })).toMatch(/✖ {2}APP REMOVED {2}the account holder removed the app: the account was banned$/);
  });

  it('other events carry no authorization', () => {
    expect(decodeEvent(JSON.stringify({ event: 'im_receive_msg', user_openid: 'biz-1', content: '{}' })).authorization).toBeNull();
  });
});
