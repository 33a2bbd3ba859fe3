// Wire reads where the reference is unsure, through the real client over a scripted transport:
// content/list messages without a message_id still count, business/get falls back to the
// high-confidence fields, and PKCE (hex S256 challenge, code_verifier, one retry without it).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TikTokClient } from '../../src/tiktok/client.js';
import type { RawRequest, RawResponse, Transport } from '../../src/http/raw.js';
import { getBusinessProfile, getConversationContent, PROFILE_FIELDS_HIGH } from '../../src/tiktok/messaging-api.js';
import { toCliError } from '../../src/errors.js';
import { buildAuthorizeUrl, codeChallengeFor, exchangeCode, newCodeVerifier } from '../../src/tiktok/oauth.js';
import { evaluateConversation } from '../../src/conversation/policy.js';

const encoder = new TextEncoder();
const envelope = (code: number, data: unknown, message = code ? 'refused' : 'OK'): RawResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: encoder.encode(JSON.stringify({ code, message, request_id: `req-${code}`, data })),
});

function scripted(answers: RawResponse[]): { client: TikTokClient; requests: RawRequest[] } {
  const requests: RawRequest[] = [];
  const transport: Transport = async (request) => {
    requests.push(request);
    const next = answers.shift();
    if (!next) throw new Error('no scripted answer left');
    return next;
  };
  return { client: new TikTokClient({ baseUrl: 'https://api.example/open_api/v1.3/', transport, sleep: async () => undefined }), requests };
}

const BUSINESS = '-000biz';
const USER = '-000user';
const NOW = Date.parse('2026-05-01T12:00:00Z');

/** The CLI's view of a failure (TikTokApiError through src/errors.ts's table), as these assertions were written. */
const cliView = (error: unknown) => Promise.reject(toCliError(error));

describe('content/list', () => {
  it('keeps messages without a message_id, so the window and the quota count them', async () => {
    const out = (minutesAgo: number, id?: string) => ({
      ...(id ? { message_id: id } : {}),
      timestamp: NOW - minutesAgo * 60_000,
      message_type: 'TEXT',
      from_user: { id: BUSINESS, role: 'BUSINESS_ACCOUNT' },
      to_user: { id: USER, role: 'PERSONAL_ACCOUNT' },
      text: { body: 'reply' },
    });
    const messages = [
      {
        message_id: 'm0',
        timestamp: NOW - 60 * 60_000,
        message_type: 'TEXT',
        from_user: { id: USER, role: 'PERSONAL_ACCOUNT' },
        to_user: { id: BUSINESS },
        text: { body: 'hi' },
      },
      // Ten business replies, three of them without an id.
      ...Array.from({ length: 10 }, (_, index) => out(50 - index, index % 3 === 0 ? undefined : `b${index}`)),
    ];
    const { client } = scripted([envelope(0, { messages, participants: [] })]);
    const content = await getConversationContent(client, 'act.x', BUSINESS, 'conv');
    expect(content.messages).toHaveLength(11);
    expect(content.messages.filter((message) => message.message_id === null)).toHaveLength(4);
    const policy = evaluateConversation(content, BUSINESS, NOW);
    expect(policy.businessMessagesSinceUser).toBe(10);
    expect(policy.messagesLeft).toBe(0);
  });
});

describe('business/get', () => {
  it('asks once more with the high-confidence fields when TikTok refuses a field (40002)', async () => {
    const { client, requests } = scripted([envelope(40002, {}, 'Invalid field: is_verified'), envelope(0, { username: 'acme', display_name: 'Acme' })]);
    const profile = await getBusinessProfile(client, 'act.x', BUSINESS);
    expect(profile).toMatchObject({ username: 'acme', displayName: 'Acme' });
    expect(requests).toHaveLength(2);
    expect(new URL(requests[0]!.url).searchParams.get('fields')).toContain('is_verified');
    expect(JSON.parse(new URL(requests[1]!.url).searchParams.get('fields')!)).toEqual(PROFILE_FIELDS_HIGH);
  });

  it('does not retry other refusals', async () => {
    const { client, requests } = scripted([envelope(40001, {}, 'Permission denied')]);
    await expect(getBusinessProfile(client, 'act.x', BUSINESS).catch(cliView)).rejects.toMatchObject({ kind: 'permission', tiktokCode: 40001 });
    expect(requests).toHaveLength(1);
  });
});

describe('PKCE', () => {
  it("sends a lowercase hex SHA-256 challenge with method S256 (TikTok's form, not base64url)", () => {
    const verifier = newCodeVerifier();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const challenge = codeChallengeFor(verifier);
    expect(challenge).toBe(createHash('sha256').update(verifier).digest('hex'));
    expect(challenge).toMatch(/^[0-9a-f]{64}$/);
    const url = new URL(buildAuthorizeUrl({ clientKey: 'ck', redirectUri: 'http://127.0.0.1:1/callback/', state: 's', codeChallenge: challenge }));
    expect(url.searchParams.get('code_challenge')).toBe(challenge);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const plain = new URL(buildAuthorizeUrl({ clientKey: 'ck', redirectUri: 'http://127.0.0.1:1/callback/', state: 's' }));
    expect(plain.searchParams.has('code_challenge')).toBe(false);
  });

  const grant = {
    access_token: 'act.1',
    refresh_token: 'rft.1',
    expires_in: 86400,
    refresh_token_expires_in: 31536000,
    open_id: BUSINESS,
    scope: 'message.list.send',
  };
  const app = { clientKey: 'ck', clientSecret: 'cs' };

  it('sends code_verifier in the exchange', async () => {
    const { client, requests } = scripted([envelope(0, grant)]);
    await exchangeCode(client, app, 'code', 'http://127.0.0.1:1/callback/', () => NOW, { codeVerifier: 'v'.repeat(43) });
    expect(JSON.parse(new TextDecoder().decode(requests[0]!.body))).toMatchObject({ auth_code: 'code', code_verifier: 'v'.repeat(43) });
  });

  it('exchanges once more without code_verifier when TikTok refuses that field by name', async () => {
    const { client, requests } = scripted([envelope(40002, {}, 'Unknown parameter: code_verifier'), envelope(0, grant)]);
    const result = await exchangeCode(client, app, 'code', 'http://127.0.0.1:1/callback/', () => NOW, { codeVerifier: 'v'.repeat(43) });
    expect(result.accessToken).toBe('act.1');
    expect(requests).toHaveLength(2);
    expect(JSON.parse(new TextDecoder().decode(requests[1]!.body))).not.toHaveProperty('code_verifier');
  });

  it('does not retry a verifier that does not match, or other refusals', async () => {
    const mismatch = scripted([envelope(40002, {}, 'code_verifier does not match the code_challenge')]);
    await expect(exchangeCode(mismatch.client, app, 'code', 'r', () => NOW, { codeVerifier: 'v'.repeat(43) }).catch(cliView)).rejects.toMatchObject({
      tiktokCode: 40002,
    });
    expect(mismatch.requests).toHaveLength(1);
    const other = scripted([envelope(40002, {}, 'auth_code is invalid')]);
    await expect(exchangeCode(other.client, app, 'code', 'r', () => NOW, { codeVerifier: 'v'.repeat(43) }).catch(cliView)).rejects.toMatchObject({
      tiktokCode: 40002,
    });
    expect(other.requests).toHaveLength(1);
  });
});
