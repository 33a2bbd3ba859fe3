// Rule by rule on the sandbox's area modules, with an injected clock (tiktok-api.md §2, §4, §6, §7).
import { describe, expect, it } from 'vitest';
import { checkAuthorize, decideAuthorize, exchangeCode, refresh, revoke, tokenInfo } from '../../src/sandbox/auth.js';
import { getBusiness } from '../../src/sandbox/business.js';
import { addFault, advance, clearFaults, reset, setLimits, updateAccount } from '../../src/sandbox/control.js';
import { chargeRate, consumeFault } from '../../src/sandbox/metering.js';
import { listConversations, windowOf } from '../../src/sandbox/conversations.js';
import { capabilities, uploadMedia } from '../../src/sandbox/media.js';
import { send } from '../../src/sandbox/send.js';
import { userWrites } from '../../src/sandbox/users.js';
import { ApiError, CODE, World, type Params } from '../../src/sandbox/world.js';
import { SANDBOX_APP, SEED, seedWorld } from '../../src/sandbox/seed.js';
import type { ScenarioName } from '../../src/sandbox/types.js';
import { IMAGE_MAX_BYTES, MESSAGING_SCOPES } from '../../src/tiktok/limits.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const REDIRECT = 'http://127.0.0.1:53682/callback/';
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]);

function sandbox(scenario: ScenarioName = 'healthy') {
  let now = Date.UTC(2026, 3, 1, 12, 0, 0);
  const clock = () => now;
  const world = new World(seedWorld(clock, scenario), clock);
  const tick = (ms: number) => {
    now += ms;
  };
  return { world, tick, clock };
}

function connect(world: World, options: { business_id?: string; scope?: string } = {}) {
  const check = checkAuthorize(world, {
    client_key: SANDBOX_APP.client_key,
    redirect_uri: REDIRECT,
    scope: options.scope ?? MESSAGING_SCOPES.join(','),
    state: 'st4te',
    response_type: 'code',
  });
  const decision = decideAuthorize(world, check, { approve: true, business_id: options.business_id });
  return exchangeCode(world, {
    client_id: SANDBOX_APP.client_key,
    client_secret: SANDBOX_APP.client_secret,
    grant_type: 'authorization_code',
    auth_code: decision.code,
    redirect_uri: REDIRECT,
  });
}

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError, but the call succeeded');
}

function text(_token: string, conversation: string, body = 'hello', business_id: string = SEED.defaultBusinessId): Params {
  return { business_id, recipient_type: 'CONVERSATION', recipient: conversation, message_type: 'TEXT', text: { body } };
}

describe('48-hour window from the user last message', () => {
  it('allows a send at 47:59:59 and refuses one at 48:00:00', () => {
    const { world, tick } = sandbox();
    const { conversation_id } = userWrites(world, { from_username: 'edge.case', text: 'hi' });
    tick(48 * HOUR - SECOND);
    const token = connect(world).access_token;
    expect(send(world, token, text(token, conversation_id)).message.message_id).toMatch(/^\d{19}$/);
    tick(SECOND);
    const error = refusal(() => send(world, token, text(token, conversation_id)));
    expect(error.code).toBe(CODE.DM_RULE);
    expect(error.message).toMatch(/48-hour/);
  });

  it('counts from the last user message, not the first', () => {
    const { world, tick } = sandbox();
    const { conversation_id } = userWrites(world, { from_username: 'edge.case', text: 'first' });
    tick(40 * HOUR);
    userWrites(world, { from_username: 'edge.case', text: 'second' });
    tick(40 * HOUR);
    const token = connect(world).access_token;
    expect(send(world, token, text(token, conversation_id)).message.message_id).not.toBe('');
  });

  it('refuses a send before the user wrote anything (arrival without a message)', () => {
    const { world } = sandbox();
    const { conversation_id, message_id } = userWrites(world, { from_username: 'link.only', ref: 'qr-1' });
    expect(message_id).toBeNull();
    const token = connect(world).access_token;
    const error = refusal(() => send(world, token, text(token, conversation_id)));
    expect(error.code).toBe(CODE.DM_RULE);
    expect(error.message).toMatch(/not written/);
  });
});

describe('10 business messages per window', () => {
  it('allows 10, refuses the 11th, and a new user message resets the count', () => {
    const { world, tick } = sandbox();
    const token = connect(world).access_token;
    const { conversation_id } = userWrites(world, { from_username: 'quota.user', text: 'hi' });
    for (let i = 0; i < 10; i++) {
      tick(SECOND);
      send(world, token, text(token, conversation_id, `reply ${i}`));
    }
    const conv = world.state.conversations[conversation_id]!;
    expect(windowOf(world, conv).messages_left).toBe(0);
    const error = refusal(() => send(world, token, text(token, conversation_id, 'eleven')));
    expect(error.code).toBe(CODE.DM_RULE);
    expect(error.message).toMatch(/10 messages/);
    userWrites(world, { from_username: 'quota.user', text: 'still there?' });
    expect(windowOf(world, conv).messages_left).toBe(10);
    expect(send(world, token, text(token, conversation_id, 'yes')).message.message_id).not.toBe('');
  });

  it('does not count sender actions against the quota', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    const { conversation_id } = userWrites(world, { from_username: 'typing.user', text: 'hi' });
    const typing = send(world, token, {
      business_id: SEED.defaultBusinessId,
      recipient_type: 'CONVERSATION',
      recipient: conversation_id,
      message_type: 'SENDER_ACTION',
      sender_action: 'TYPING',
    });
    expect(typing.message.message_id).toBe('');
    expect(windowOf(world, world.state.conversations[conversation_id]!).messages_left).toBe(10);
  });
});

describe('OAuth codes and tokens', () => {
  it('rotates refresh tokens: each works once, the old one is refused afterwards', () => {
    const { world } = sandbox();
    const first = connect(world);
    const body = (refresh_token: string) => ({
      client_id: SANDBOX_APP.client_key,
      client_secret: SANDBOX_APP.client_secret,
      grant_type: 'refresh_token',
      refresh_token,
    });
    const second = refresh(world, body(first.refresh_token));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).toMatch(/^act\./);
    expect(second.refresh_token).toMatch(/^rft\./);
    expect(second.expires_in).toBe(86_400);
    expect(second.refresh_token_expires_in).toBe(31_536_000);
    const reuse = refusal(() => refresh(world, body(first.refresh_token)));
    expect(reuse.code).toBe(40107);
    expect(reuse.message).toMatch(/already been used/);
    expect(refresh(world, body(second.refresh_token)).access_token).toMatch(/^act\./);
  });

  it('issues 24-hour access tokens and 365-day refresh tokens', () => {
    const { world, tick } = sandbox();
    const tokens = connect(world);
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 86_400, refresh_token_expires_in: 31_536_000, open_id: SEED.defaultBusinessId });
    expect(tokens.open_id.startsWith('-000')).toBe(true);
    tick(24 * HOUR - SECOND);
    expect(getBusiness(world, tokens.access_token, { business_id: SEED.defaultBusinessId })).toHaveProperty('username', 'acme.studio');
    tick(SECOND);
    expect(refusal(() => getBusiness(world, tokens.access_token, { business_id: SEED.defaultBusinessId })).message).toMatch(/expired/);
    tick(364 * DAY - SECOND);
    const body = {
      client_id: SANDBOX_APP.client_key,
      client_secret: SANDBOX_APP.client_secret,
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    };
    expect(refresh(world, body).access_token).toMatch(/^act\./);
  });

  it('refuses an expired refresh token', () => {
    const { world, tick } = sandbox();
    const tokens = connect(world);
    tick(365 * DAY);
    const error = refusal(() =>
      refresh(world, {
        client_id: SANDBOX_APP.client_key,
        client_secret: SANDBOX_APP.client_secret,
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      }),
    );
    // TikTok's own code for it (tiktok-api.md §6): only a new consent helps.
    expect(error.code).toBe(40103);
    expect(error.message).toMatch(/expired/);
  });

  it('makes codes single-use, 10 minutes long, bound to the redirect_uri', () => {
    const { world, tick } = sandbox();
    const check = checkAuthorize(world, {
      client_key: SANDBOX_APP.client_key,
      redirect_uri: REDIRECT,
      scope: 'message.list.read',
      state: 's',
      response_type: 'code',
    });
    const exchange = (auth_code: string, redirect_uri = REDIRECT) =>
      exchangeCode(world, {
        client_id: SANDBOX_APP.client_key,
        client_secret: SANDBOX_APP.client_secret,
        grant_type: 'authorization_code',
        auth_code,
        redirect_uri,
      });
    const a = decideAuthorize(world, check, { approve: true }).code!;
    expect(refusal(() => exchange(a, 'http://127.0.0.1:9/other/')).message).toMatch(/redirect_uri/);
    expect(exchange(a).access_token).toMatch(/^act\./);
    expect(refusal(() => exchange(a)).message).toMatch(/already been used/);
    const b = decideAuthorize(world, check, { approve: true }).code!;
    tick(10 * MINUTE);
    const late = refusal(() => exchange(b));
    expect(late.code).toBe(CODE.INVALID_PARAM);
    expect(late.message).toMatch(/expired/);
  });

  it('refuses wrong client credentials and a wrong grant_type', () => {
    const { world } = sandbox();
    const bad = refusal(() =>
      exchangeCode(world, {
        client_id: SANDBOX_APP.client_key,
        client_secret: 'nope',
        grant_type: 'authorization_code',
        auth_code: 'x',
        redirect_uri: REDIRECT,
      }),
    );
    expect(bad.code).toBe(CODE.NO_PERMISSION);
    const grant = refusal(() =>
      exchangeCode(world, {
        client_id: SANDBOX_APP.client_key,
        client_secret: SANDBOX_APP.client_secret,
        grant_type: 'code',
        auth_code: 'x',
        redirect_uri: REDIRECT,
      }),
    );
    expect(grant.code).toBe(CODE.INVALID_PARAM);
  });

  it('revoke kills the access token and its refresh token', () => {
    const { world } = sandbox();
    const tokens = connect(world);
    expect(revoke(world, { client_id: SANDBOX_APP.client_key, client_secret: SANDBOX_APP.client_secret, access_token: tokens.access_token })).toEqual({});
    expect(refusal(() => getBusiness(world, tokens.access_token, { business_id: SEED.defaultBusinessId })).code).toBe(CODE.TOKEN_INVALID);
    expect(
      refusal(() =>
        refresh(world, {
          client_id: SANDBOX_APP.client_key,
          client_secret: SANDBOX_APP.client_secret,
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
        }),
      ).message,
    ).toMatch(/revoked/);
  });

  it('token_info answers app_id, creator_id and scope without a secret', () => {
    const { world } = sandbox();
    const tokens = connect(world, { scope: 'user.info.basic,message.list.read' });
    expect(tokenInfo(world, { app_id: SANDBOX_APP.client_key, access_token: tokens.access_token })).toEqual({
      app_id: SANDBOX_APP.client_key,
      creator_id: SEED.defaultBusinessId,
      scope: 'user.info.basic,message.list.read',
    });
  });

  it('refuses messaging with a token missing the message.list.* scopes', () => {
    const { world } = sandbox();
    const token = connect(world, { scope: 'user.info.basic,message.list.read' }).access_token;
    const error = refusal(() => send(world, token, text(token, SEED.conversations.maya)));
    expect(error.code).toBe(CODE.NO_PERMISSION);
    expect(error.message).toMatch(/message\.list\.send/);
  });

  it('refuses a business_id other than the token account', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    const error = refusal(() => send(world, token, text(token, SEED.conversations.maya, 'x', SEED.eeaBusinessId)));
    expect(error.code).toBe(CODE.NO_PERMISSION);
  });
});

describe('message content', () => {
  it('counts text length in code points: 6000 astral emoji pass, 6001 fail, empty fails', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    const sixThousand = '😀'.repeat(6000);
    expect(sixThousand.length).toBe(12_000);
    expect(send(world, token, text(token, SEED.conversations.maya, sixThousand)).message.message_id).not.toBe('');
    const long = refusal(() => send(world, token, text(token, SEED.conversations.maya, `${sixThousand}😀`)));
    expect(long.code).toBe(CODE.INVALID_PARAM);
    expect(long.message).toMatch(/6001/);
    expect(refusal(() => send(world, token, text(token, SEED.conversations.maya, ''))).code).toBe(CODE.INVALID_PARAM);
  });

  it('accepts an image of exactly 3 MB and refuses one byte more', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    const exact = new Uint8Array(IMAGE_MAX_BYTES);
    exact.set(PNG);
    const fields = { business_id: SEED.defaultBusinessId, media_type: 'IMAGE' };
    expect(uploadMedia(world, token, fields, { data: exact, filename: 'a.png' }).media_id).toMatch(/\w+/);
    const over = new Uint8Array(IMAGE_MAX_BYTES + 1);
    over.set(PNG);
    const error = refusal(() => uploadMedia(world, token, fields, { data: over, filename: 'a.png' }));
    expect(error.code).toBe(CODE.INVALID_PARAM);
    expect(error.message).toMatch(/3 MB/);
  });

  it('sniffs JPG and PNG magic bytes and refuses anything else with 40908', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    const fields = { business_id: SEED.defaultBusinessId, media_type: 'IMAGE' };
    expect(uploadMedia(world, token, fields, { data: JPG, filename: 'x.jpg' }).media_id).toBeTruthy();
    expect(uploadMedia(world, token, fields, { data: PNG, filename: 'x.png' }).media_id).toBeTruthy();
    // A text file named .png is still a text file.
    const error = refusal(() => uploadMedia(world, token, fields, { data: new TextEncoder().encode('hello, not an image'), filename: 'x.png' }));
    expect(error.code).toBe(CODE.UNSUPPORTED_FILE);
    expect(refusal(() => uploadMedia(world, token, { ...fields, media_type: 'VIDEO' }, { data: PNG })).code).toBe(CODE.INVALID_PARAM);
  });

  it('sends an uploaded image; unknown or expired media ids are 40007', () => {
    const { world, tick } = sandbox();
    let token = connect(world).access_token;
    const { media_id } = uploadMedia(world, token, { business_id: SEED.defaultBusinessId, media_type: 'IMAGE' }, { data: PNG });
    const image = (id: string) => ({
      business_id: SEED.defaultBusinessId,
      recipient_type: 'CONVERSATION',
      recipient: SEED.conversations.maya,
      message_type: 'IMAGE',
      image: { media_id: id },
    });
    expect(send(world, token, image(media_id)).message.message_id).not.toBe('');
    expect(refusal(() => send(world, token, image('nope'))).code).toBe(CODE.NOT_FOUND);
    tick(30 * DAY);
    token = connect(world).access_token;
    userWrites(world, { from_username: 'maya.lopez', text: 'still there?' });
    expect(refusal(() => send(world, token, image(media_id))).code).toBe(CODE.NOT_FOUND);
  });

  it('share_post needs one of the account posts', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    const share = (share_post: unknown) => ({
      business_id: SEED.defaultBusinessId,
      recipient_type: 'CONVERSATION',
      recipient: SEED.conversations.maya,
      message_type: 'SHARE_POST',
      share_post,
    });
    expect(send(world, token, share({ item_id: SEED.posts[0] })).message.message_id).not.toBe('');
    expect(refusal(() => send(world, token, share({ item_id: '123' }))).code).toBe(CODE.NOT_FOUND);
    expect(refusal(() => send(world, token, share({}))).code).toBe(CODE.INVALID_PARAM);
  });

  it('allows referenced_message_info only with TEXT and only to a message of the conversation', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    const target = world.state.conversations[SEED.conversations.maya]!.messages[0]!.message_id;
    const reply = (id: string, extra: Params = {}) => ({
      ...text(token, SEED.conversations.maya, 'quoted'),
      referenced_message_info: { referenced_message_id: id },
      ...extra,
    });
    expect(send(world, token, reply(target)).message.message_id).not.toBe('');
    expect(refusal(() => send(world, token, reply('7000000000000000000'))).code).toBe(CODE.NOT_FOUND);
    expect(refusal(() => send(world, token, reply(target, { message_type: 'SHARE_POST', text: undefined, share_post: { item_id: SEED.posts[0] } }))).code).toBe(
      CODE.INVALID_PARAM,
    );
  });

  it('refuses a content block that does not match message_type, and a wrong recipient_type', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    const mixed = refusal(() => send(world, token, { ...text(token, SEED.conversations.maya), image: { media_id: 'x' } }));
    expect(mixed.code).toBe(CODE.INVALID_PARAM);
    expect(refusal(() => send(world, token, { ...text(token, SEED.conversations.maya), recipient_type: 'USER' })).code).toBe(CODE.INVALID_PARAM);
    expect(refusal(() => send(world, token, { ...text(token, SEED.conversations.maya), message_type: 'text' })).code).toBe(CODE.INVALID_PARAM);
  });

  it('validates template cards', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    const card = (template: unknown) => ({
      business_id: SEED.defaultBusinessId,
      recipient_type: 'CONVERSATION',
      recipient: SEED.conversations.maya,
      message_type: 'TEMPLATE',
      template,
    });
    const ok = { type: 'QA_BUTTON_CARD', title: 'Pick a size', buttons: [{ type: 'REPLY', title: 'M', id: 'size-m' }] };
    expect(send(world, token, card(ok)).message.message_id).not.toBe('');
    expect(refusal(() => send(world, token, card({ ...ok, buttons: [] }))).code).toBe(CODE.INVALID_PARAM);
    expect(refusal(() => send(world, token, card({ ...ok, buttons: [{ type: 'REPLY', title: 'x'.repeat(21), id: 'a' }] }))).code).toBe(CODE.INVALID_PARAM);
  });
});

describe('conversation types: STRANGER vs SINGLE', () => {
  function types(world: World, token: string) {
    const list = (conversation_type: string) =>
      listConversations(world, token, { business_id: SEED.defaultBusinessId, conversation_type }).conversations.map((c) => c.conversation_id as string);
    return { single: list('SINGLE'), stranger: list('STRANGER') };
  }

  it('puts every conversation in SINGLE when DMs are open to everyone', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    const { single, stranger } = types(world, token);
    expect(stranger).toEqual([]);
    expect(single).toEqual(expect.arrayContaining([SEED.conversations.maya, SEED.conversations.jonas, SEED.conversations.tom, SEED.conversations.priya]));
  });

  it('makes non-followers STRANGER when DMs are followers-only; a business reply makes it SINGLE', () => {
    const { world } = sandbox('followers-only');
    const token = connect(world).access_token;
    let { single, stranger } = types(world, token);
    expect(stranger.sort()).toEqual([SEED.conversations.jonas, SEED.conversations.tom].sort());
    expect(single.sort()).toEqual([SEED.conversations.maya, SEED.conversations.priya].sort());
    const fan = userWrites(world, { from_username: 'new.fan', text: 'hi', follower: true });
    const stranger2 = userWrites(world, { from_username: 'new.stranger', text: 'hi' });
    ({ single, stranger } = types(world, token));
    expect(single).toContain(fan.conversation_id);
    expect(stranger).toContain(stranger2.conversation_id);
    send(world, token, text(token, stranger2.conversation_id, 'welcome'));
    expect(types(world, token).single).toContain(stranger2.conversation_id);
  });

  it('opens requests when the account switches DMs to everyone', () => {
    const { world } = sandbox('followers-only');
    const token = connect(world).access_token;
    updateAccount(world, SEED.defaultBusinessId, { dm_setting: 'everyone' });
    expect(types(world, token).stranger).toEqual([]);
  });
});

describe('account refusals', () => {
  it('refuses personal accounts on messaging but business/get tells is_business_account false', () => {
    const { world } = sandbox('personal-account');
    const token = connect(world).access_token;
    const error = refusal(() => send(world, token, text(token, SEED.conversations.maya)));
    expect(error.code).toBe(CODE.NO_PERMISSION);
    expect(error.message).toMatch(/personal accounts/i);
    expect(getBusiness(world, token, { business_id: SEED.defaultBusinessId, fields: '["is_business_account"]' })).toEqual({ is_business_account: false });
  });

  it('refuses messaging without Advanced Access with a permission error although the token is valid', () => {
    const { world } = sandbox('no-advanced-access');
    const token = connect(world).access_token;
    const error = refusal(() => listConversations(world, token, { business_id: SEED.defaultBusinessId, conversation_type: 'SINGLE' }));
    expect(error.code).toBe(CODE.NO_PERMISSION);
    expect(error.message).toMatch(/Advanced Access/);
    expect(getBusiness(world, token, { business_id: SEED.defaultBusinessId })).toHaveProperty('username', 'acme.studio');
  });

  it.each(['DE', 'CH', 'GB', 'uk'])('blocks DMs for an account registered in %s', (region) => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    updateAccount(world, SEED.defaultBusinessId, { region });
    const error = refusal(() => send(world, token, text(token, SEED.conversations.maya)));
    expect(error.code).toBe(CODE.NO_PERMISSION);
    expect(error.message).toMatch(/unavailable/);
  });

  it('does not block a US account (warn-level only), though US images are refused by media strategy', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    updateAccount(world, SEED.defaultBusinessId, { region: 'US' });
    expect(send(world, token, text(token, SEED.conversations.maya)).message.message_id).not.toBe('');
    const { media_id } = uploadMedia(world, token, { business_id: SEED.defaultBusinessId, media_type: 'IMAGE' }, { data: PNG });
    const error = refusal(() =>
      send(world, token, {
        business_id: SEED.defaultBusinessId,
        recipient_type: 'CONVERSATION',
        recipient: SEED.conversations.maya,
        message_type: 'IMAGE',
        image: { media_id },
      }),
    );
    expect(error.code).toBe(CODE.DM_RULE);
    expect(error.message).toMatch(/^Due to Media send strategy/);
  });

  it('refuses images where media is off, and the capability says so; text still goes', () => {
    const { world } = sandbox('media-blocked');
    const token = connect(world).access_token;
    const { media_id } = uploadMedia(world, token, { business_id: SEED.defaultBusinessId, media_type: 'IMAGE' }, { data: PNG });
    const error = refusal(() =>
      send(world, token, {
        business_id: SEED.defaultBusinessId,
        recipient_type: 'CONVERSATION',
        recipient: SEED.conversations.maya,
        message_type: 'IMAGE',
        image: { media_id },
      }),
    );
    expect(error.code).toBe(CODE.DM_RULE);
    expect(error.message).toMatch(/^Due to Media send strategy/);
    const caps = capabilities(world, token, {
      business_id: SEED.defaultBusinessId,
      capability_types: '["IMAGE_SEND"]',
      conversation_id: SEED.conversations.maya,
      conversation_type: 'SINGLE',
    });
    expect(caps).toEqual({ capability_infos: [{ capability_type: 'IMAGE_SEND', capability_result: false }] });
    expect(send(world, token, text(token, SEED.conversations.maya)).message.message_id).not.toBe('');
  });

  it('answers image capability per conversation (the user region counts too)', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    const japan = userWrites(world, { from_username: 'tokyo.fan', text: 'hi', region: 'JP' });
    const cap = (conversation_id: string) =>
      capabilities(world, token, {
        business_id: SEED.defaultBusinessId,
        capability_types: '["IMAGE_SEND","SOMETHING_NEW"]',
        conversation_id,
        conversation_type: 'SINGLE',
      }).capability_infos;
    expect(cap(SEED.conversations.maya)).toEqual([{ capability_type: 'IMAGE_SEND', capability_result: true }]);
    expect(cap(japan.conversation_id)).toEqual([{ capability_type: 'IMAGE_SEND', capability_result: false }]);
  });

  it('refuses images under risk control when switched on', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    const { media_id } = uploadMedia(world, token, { business_id: SEED.defaultBusinessId, media_type: 'IMAGE' }, { data: PNG });
    updateAccount(world, SEED.defaultBusinessId, { risk_control: true });
    const error = refusal(() =>
      send(world, token, {
        business_id: SEED.defaultBusinessId,
        recipient_type: 'CONVERSATION',
        recipient: SEED.conversations.maya,
        message_type: 'IMAGE',
        image: { media_id },
      }),
    );
    expect(error.code).toBe(CODE.DM_RULE);
    expect(error.message).toMatch(/^Due to risk control strategy/);
  });
});

describe('rate limit, faults, time travel', () => {
  it('answers 40100 beyond the per-minute budget and recovers in the next minute', () => {
    const { world, tick } = sandbox();
    setLimits(world, { requests_per_minute: 3 });
    for (let i = 0; i < 3; i++) chargeRate(world, 'app');
    const error = refusal(() => chargeRate(world, 'app'));
    expect(error.code).toBe(CODE.RATE_LIMIT);
    chargeRate(world, 'other-app');
    tick(60 * SECOND);
    expect(() => chargeRate(world, 'app')).not.toThrow();
  });

  it('consumes faults N times, by path or for every path', () => {
    const { world } = sandbox();
    addFault(world, { path: 'business/message/send/', kind: 'code', code: 51065, times: 2 });
    expect(consumeFault(world, 'business/get/')).toBeUndefined();
    expect(consumeFault(world, 'business/message/send/')).toMatchObject({ kind: 'code', code: 51065 });
    expect(consumeFault(world, 'business/message/send/')).toMatchObject({ kind: 'code' });
    expect(consumeFault(world, 'business/message/send/')).toBeUndefined();
    addFault(world, { path: '/open_api/v1.3/business/get/', kind: 'html502' });
    expect(consumeFault(world, 'business/get/')).toMatchObject({ kind: 'html502' });
    addFault(world, { path: '*', kind: 'reset', times: -1 });
    expect(consumeFault(world, 'tt_user/oauth2/token/')).toMatchObject({ kind: 'reset' });
    expect(consumeFault(world, 'business/get/')).toMatchObject({ kind: 'reset' });
    clearFaults(world);
    expect(consumeFault(world, 'business/get/')).toBeUndefined();
  });

  it('advance() ages the world: the window closes and tokens expire without changing the clock', () => {
    const { world, clock } = sandbox();
    const tokens = connect(world);
    const { conversation_id } = userWrites(world, { from_username: 'time.traveller', text: 'hi' });
    const before = world.state.conversations[conversation_id]!.messages[0]!.timestamp;
    const nowBefore = clock();
    advance(world, 49 * 3600);
    expect(clock()).toBe(nowBefore);
    expect(world.state.conversations[conversation_id]!.messages[0]!.timestamp).toBe(before - 49 * HOUR);
    expect(refusal(() => getBusiness(world, tokens.access_token, { business_id: SEED.defaultBusinessId })).message).toMatch(/expired/);
    const fresh = connect(world).access_token;
    const error = refusal(() => send(world, fresh, text(fresh, conversation_id)));
    expect(error.code).toBe(CODE.DM_RULE);
    // The refresh token (365 d) still works after 49 h.
    expect(
      refresh(world, {
        client_id: SANDBOX_APP.client_key,
        client_secret: SANDBOX_APP.client_secret,
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      }).access_token,
    ).toMatch(/^act\./);
  });

  it('expired-tokens scenario expires every token kept for the default account', () => {
    const { world } = sandbox();
    const tokens = connect(world);
    reset(world, { scenario: 'expired-tokens' });
    expect(refusal(() => getBusiness(world, tokens.access_token, { business_id: SEED.defaultBusinessId })).message).toMatch(/expired/);
    const body = {
      client_id: SANDBOX_APP.client_key,
      client_secret: SANDBOX_APP.client_secret,
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    };
    expect(refusal(() => refresh(world, body)).message).toMatch(/expired/);
  });

  it('keeps tokens across a reset to another scenario', () => {
    const { world } = sandbox();
    const tokens = connect(world);
    reset(world, { scenario: 'eea' });
    expect(world.state.accounts[SEED.defaultBusinessId]!.region).toBe('DE');
    expect(getBusiness(world, tokens.access_token, { business_id: SEED.defaultBusinessId })).toHaveProperty('username', 'acme.studio');
    expect(() => reset(world, { scenario: 'nope' })).toThrow(/Unknown scenario/);
  });
});

describe('seeded world', () => {
  it('uses conversation ids with +, / and = and a believable default account', () => {
    const state = seedWorld(() => Date.UTC(2026, 0, 1));
    for (const id of Object.values(SEED.conversations)) {
      expect(id).toMatch(/\+/);
      expect(id).toMatch(/\//);
      expect(id).toMatch(/=$/);
      expect(state.conversations[id]).toBeDefined();
    }
    expect(state.accounts[SEED.defaultBusinessId]).toMatchObject({
      username: 'acme.studio',
      account_type: 'business',
      advanced_access: true,
      dm_setting: 'everyone',
    });
  });

  it('has an open window in maya.lopez conversation and a closed one in priya_codes', () => {
    const { world } = sandbox();
    expect(windowOf(world, world.state.conversations[SEED.conversations.maya]!)).toMatchObject({ open: true, messages_left: 10 });
    expect(windowOf(world, world.state.conversations[SEED.conversations.priya]!)).toMatchObject({ open: false, messages_left: 0 });
  });

  it('lets a user write by first name, and creates unknown users as non-followers', () => {
    const { world } = sandbox();
    expect(userWrites(world, { from_username: 'maya', text: 'hi again' }).conversation_id).toBe(SEED.conversations.maya);
    const fresh = userWrites(world, { from_username: '@brand.new', text: 'hello' });
    const user = world.state.users[world.state.conversations[fresh.conversation_id]!.user_id]!;
    expect(user).toMatchObject({ username: 'brand.new', follows: [] });
    expect(user.id.startsWith('-000')).toBe(true);
    expect(fresh.conversation_id).toMatch(/\+/);
    expect(fresh.conversation_id).toMatch(/\//);
    expect(fresh.conversation_id).toMatch(/=$/);
    expect(() => userWrites(world, { from_username: 'x', txt: 'typo' } as never)).toThrow(/Unknown field/);
    expect(updateAccount(world, 'default', { media: false }).business_id).toBe(SEED.defaultBusinessId);
  });

  it('paginates conversation/list with cursor and has_more, only the last 90 days', () => {
    const { world } = sandbox();
    const token = connect(world).access_token;
    for (let i = 0; i < 5; i++) userWrites(world, { from_username: `page.user${i}`, text: 'hi' });
    userWrites(world, { from_username: 'ancient.user', text: 'long ago' });
    const ancient = Object.values(world.state.conversations).find((c) => world.state.users[c.user_id]!.username === 'ancient.user')!;
    ancient.update_time -= 91 * DAY;
    const seen: string[] = [];
    let cursor = 0;
    for (let pages = 0; pages < 10; pages++) {
      const page = listConversations(world, token, { business_id: SEED.defaultBusinessId, conversation_type: 'SINGLE', cursor: String(cursor), limit: '3' });
      seen.push(...page.conversations.map((c) => c.conversation_id as string));
      cursor = page.cursor;
      if (!page.has_more) break;
    }
    expect(seen).toHaveLength(9);
    expect(new Set(seen).size).toBe(9);
    expect(seen).not.toContain(ancient.conversation_id);
    expect(refusal(() => listConversations(world, token, { business_id: SEED.defaultBusinessId, conversation_type: 'SINGLE', limit: '101' })).code).toBe(
      CODE.INVALID_PARAM,
    );
    expect(refusal(() => listConversations(world, token, { business_id: SEED.defaultBusinessId, conversation_type: 'SINGLE', limit: '0' })).code).toBe(
      CODE.INVALID_PARAM,
    );
    expect(refusal(() => listConversations(world, token, { business_id: SEED.defaultBusinessId, conversation_type: 'single' })).code).toBe(CODE.INVALID_PARAM);
  });
});
