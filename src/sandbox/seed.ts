// A believable default world, with fixed ids so docs, tests and scripts can name them, plus one named
// scenario per doctor failure. Message times are relative to the clock at seeding time.
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS } from '../tiktok/limits.js';
import { messageId, shortId } from './ids.js';
import {
  SCENARIO_NAMES,
  STATE_VERSION,
  type AccountRecord,
  type ConversationRecord,
  type MessageRecord,
  type SandboxState,
  type ScenarioName,
  type UserRecord,
} from './types.js';

export { SCENARIO_NAMES, type ScenarioName };

/** The default app (the credentials a user pastes into `connect`; fixed so they survive resets). */
export const SANDBOX_APP = {
  client_key: 'awsbx7k2m9q4t8h1',
  client_secret: 'sbxsecret-5f2a9c7e1b3d4a6f8e0c2b4d6f8a0c1e',
  name: 'Sandbox Inbox',
} as const;

/** Fixed ids of the seeded world. */
export const SEED = {
  defaultBusinessId: '-000SbXacmeStudio4Qf9Lw',
  eeaBusinessId: '-000SbXbrotzeitBerlin7Kd',
  personalBusinessId: '-000SbXlenaMakes2Vx8Pm',
  users: {
    maya: '-000SbXuMayaLopez9a1',
    jonas: '-000SbXuJonasK3b7c2',
    priya: '-000SbXuPriyaCodes5d',
    tom: '-000SbXuTomWright8e4',
  },
  conversations: {
    /** maya.lopez (follower): open window, last user message 2 h ago. */
    maya: 'mY3+hQ1/acMeMaYaL0pezQ==',
    /** jonas.k (not a follower), arrived through a tiktok.me link 30 min ago, then wrote. */
    jonas: 'Jk9/c0NvbnZv+2pvbmFzXw==',
    /** priya_codes (follower): window closed (last user message 72 h ago). */
    priya: 'UHJp+WEr/2NvZGVzQWNtZQ==',
    /** tom.wright (not a follower), arrived from an ad 10 min ago, then wrote. */
    tom: 'VG9tV3Jp/2h0+0FjbWU=',
    /** maya.lopez writing to the EEA account. */
    brotzeit: 'QnJv+dHplaXQ/QmVybGluMQ=',
  },
  posts: ['7351234567890123401', '7351234567890123402', '7351234567890123403'],
} as const;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function account(partial: Partial<AccountRecord> & Pick<AccountRecord, 'business_id' | 'username' | 'display_name' | 'region'>, now: number): AccountRecord {
  return {
    bio_description: '',
    account_type: 'business',
    advanced_access: true,
    dm_setting: 'everyone',
    media: true,
    risk_control: false,
    is_verified: false,
    followers_count: 0,
    following_count: 0,
    total_likes: 0,
    videos_count: 0,
    posts: [],
    created_at: now - 400 * 24 * HOUR,
    ...partial,
  };
}

function msg(direction: 'in' | 'out', at: number, body: string): MessageRecord {
  return {
    message_id: messageId(),
    timestamp: at,
    direction,
    message_type: 'TEXT',
    source: direction === 'in' ? 'APP' : 'API',
    text: { body },
  };
}

/**
 * A fresh world. `empty: true` keeps only the app and the three accounts (no users, no conversations).
 * Scenario `expired-tokens` only has an effect on kept tokens (see resetWorld): a fresh world has none.
 */
export function seedWorld(clock: () => number = Date.now, scenario: ScenarioName = 'healthy', options: { empty?: boolean } = {}): SandboxState {
  const now = clock();
  const posts = SEED.posts.map((item_id, i) => ({
    item_id,
    description: ['Spring drop: the green hoodie', 'Behind the scenes at the studio', 'How we pack your orders'][i]!,
    embed_url: `https://www.tiktok.com/embed/v2/${item_id}`,
  }));
  const accounts: AccountRecord[] = [
    account(
      {
        business_id: SEED.defaultBusinessId,
        username: 'acme.studio',
        display_name: 'Acme Studio',
        region: 'CA',
        bio_description: 'Small-batch streetwear from Toronto. DM us for sizes!',
        is_verified: true,
        followers_count: 12840,
        following_count: 312,
        total_likes: 204511,
        videos_count: posts.length,
        posts,
      },
      now,
    ),
    account(
      {
        business_id: SEED.eeaBusinessId,
        username: 'brotzeit.berlin',
        display_name: 'Brotzeit Berlin',
        region: 'DE',
        bio_description: 'Sourdough since 1998.',
        followers_count: 2210,
        following_count: 45,
        total_likes: 18004,
        videos_count: 1,
        posts: [{ item_id: '7351234567890123499', description: 'Morning bake', embed_url: 'https://www.tiktok.com/embed/v2/7351234567890123499' }],
      },
      now,
    ),
    account(
      {
        business_id: SEED.personalBusinessId,
        username: 'lena.makes',
        display_name: 'Lena Makes',
        region: 'CA',
        account_type: 'personal',
        followers_count: 87,
        following_count: 140,
      },
      now,
    ),
  ];
  const state: SandboxState = {
    version: STATE_VERSION,
    scenario,
    default_client_key: SANDBOX_APP.client_key,
    default_business_id: SEED.defaultBusinessId,
    apps: {
      [SANDBOX_APP.client_key]: { ...SANDBOX_APP, redirect_uris: [] },
    },
    accounts: Object.fromEntries(accounts.map((a) => [a.business_id, a])),
    users: {},
    conversations: {},
    auth_codes: {},
    access_tokens: {},
    refresh_tokens: {},
    media: {},
    outbox: [],
    delivered: [],
    faults: [],
    limits: { requests_per_minute: 600 },
    rate: {},
    requests: [],
    unhandled: [],
  };
  if (!options.empty) seedPeople(state, now);
  applyScenario(state, scenario, now);
  return state;
}

function seedPeople(state: SandboxState, now: number): void {
  const acme = SEED.defaultBusinessId;
  const users: UserRecord[] = [
    { id: SEED.users.maya, username: 'maya.lopez', display_name: 'Maya López', region: 'BR', follows: [acme] },
    { id: SEED.users.jonas, username: 'jonas.k', display_name: 'Jonas K.', region: 'CA', follows: [] },
    { id: SEED.users.priya, username: 'priya_codes', display_name: 'Priya', region: 'SG', follows: [acme] },
    { id: SEED.users.tom, username: 'tom.wright', display_name: 'Tom Wright', region: 'MX', follows: [] },
  ];
  state.users = Object.fromEntries(users.map((u) => [u.id, u]));
  const conversation = (
    conversation_id: string,
    business_id: string,
    user_id: string,
    messages: MessageRecord[],
    extra: Partial<ConversationRecord> = {},
  ): ConversationRecord => {
    const first = messages[0]?.timestamp ?? now;
    const last = messages[messages.length - 1]?.timestamp ?? now;
    return { conversation_id, business_id, user_id, created_at: first - MINUTE, update_time: last, messages, ...extra };
  };
  const list: ConversationRecord[] = [
    conversation(SEED.conversations.maya, acme, SEED.users.maya, [
      msg('in', now - 26 * HOUR, 'Hi! Do you ship to Brazil?'),
      msg('out', now - 25 * HOUR - 50 * MINUTE, 'Hi Maya! Yes, we ship worldwide, 5 to 8 days to Brazil.'),
      msg('in', now - 2 * HOUR, 'Great, is the green hoodie still available in M?'),
    ]),
    conversation(SEED.conversations.jonas, acme, SEED.users.jonas, [msg('in', now - 29 * MINUTE, 'Hi Acme! Are you open on Sunday?')], {
      referral: {
        ad: [],
        short_link: [{ ref: 'spring-qr', prefilled_message: 'Hi Acme!', prefilled_message_audit_status: 'PASS', created_at: now - 30 * MINUTE }],
      },
    }),
    conversation(SEED.conversations.priya, acme, SEED.users.priya, [
      msg('in', now - 73 * HOUR, 'Love the new drop!'),
      msg('out', now - 72 * HOUR - 30 * MINUTE, 'Thank you Priya! 💚'),
      msg('in', now - 72 * HOUR, 'When is the next one?'),
    ]),
    conversation(SEED.conversations.tom, acme, SEED.users.tom, [msg('in', now - 9 * MINUTE, 'Saw your ad. Is the 2-for-1 still on?')], {
      referral: {
        ad: [
          {
            advertiser_id: '7000000000000000001',
            ad_id: '1790000000000000002',
            timestamp: now - 10 * MINUTE,
            ad_name: 'Spring 2-for-1',
            embed_url: 'https://www.tiktok.com/embed/v2/7351234567890123401',
            message_material_id: 'MTc5MDAwMDAwMDAwMDAwMDAwMg==',
          },
        ],
        short_link: [],
      },
    }),
    conversation(SEED.conversations.brotzeit, SEED.eeaBusinessId, SEED.users.maya, [msg('in', now - 5 * HOUR, 'Do you deliver to Kreuzberg?')]),
  ];
  state.conversations = Object.fromEntries(list.map((c) => [c.conversation_id, c]));
}

/**
 * Each scenario breaks exactly one thing on the default account (acme.studio), so exactly one doctor
 * check fails:
 * - `healthy`: nothing wrong.
 * - `eea`: the account is registered in Germany (DE): messaging calls answer 40001 (region check).
 * - `no-advanced-access`: a "General" account: messaging calls answer 40001 (advanced-access check).
 * - `followers-only`: DMs open to followers only: non-followers' conversations (jonas.k, tom.wright) are
 *   STRANGER message requests (dm-setting check).
 * - `expired-tokens`: every access and refresh token issued for the account is expired (token check).
 * - `personal-account`: the account is a personal account: business/get says is_business_account
 *   false and messaging calls answer 40001 (business-account check).
 * - `media-blocked`: media off for the account: IMAGE_SEND capability false and image sends refused
 *   with "Due to Media send strategy" (media check).
 * - `advanced-access-rollout`: Advanced Access is on, but the gradual rollout (tiktok-api.md §7) makes
 *   every other messaging call answer 40001 naming Advanced Access: a fault the scenario installs
 *   (business/message/*, every 2nd request, until the faults are cleared).
 */
export function applyScenario(state: SandboxState, scenario: ScenarioName, now: number): void {
  state.scenario = scenario;
  const acct = state.accounts[state.default_business_id];
  if (!acct) return;
  switch (scenario) {
    case 'healthy':
      break;
    case 'eea':
      acct.region = 'DE';
      break;
    case 'no-advanced-access':
      acct.advanced_access = false;
      break;
    case 'followers-only':
      // Conversation types are derived (conversationType in conversations.ts): the seeded non-followers got no
      // reply, so their conversations become STRANGER.
      acct.dm_setting = 'followers';
      break;
    case 'expired-tokens':
      for (const t of Object.values(state.access_tokens)) if (t.business_id === acct.business_id) t.expires_at = Math.min(t.expires_at, now - 1000);
      for (const t of Object.values(state.refresh_tokens)) if (t.business_id === acct.business_id) t.expires_at = Math.min(t.expires_at, now - 1000);
      break;
    case 'personal-account':
      acct.account_type = 'personal';
      break;
    case 'media-blocked':
      acct.media = false;
      break;
    case 'advanced-access-rollout':
      acct.advanced_access = true;
      state.faults.push({
        id: shortId(),
        path: 'business/message/*',
        kind: 'code',
        code: 40001,
        message:
          'Permission denied: this account needs Advanced Access to use messaging (the rollout is gradual, so calls may fail intermittently). Link it to TikTok for Business (TT4B) or a Business Center, then authorize again.',
        times: -1,
        every: 2,
        seen: 0,
      });
      break;
  }
}

export function isScenarioName(value: unknown): value is ScenarioName {
  return typeof value === 'string' && (SCENARIO_NAMES as readonly string[]).includes(value);
}

/**
 * Reseeds the world in place but keeps what a connected client holds: the apps (with their webhook
 * registration), issued tokens and codes, the webhook outbox (never lose a delivery) and, unless
 * `clearLog`, the request log and the `unhandled` tripwire.
 */
export function resetWorld(
  state: SandboxState,
  clock: () => number,
  scenario: ScenarioName = 'healthy',
  options: { keepTokens?: boolean; clearLog?: boolean; empty?: boolean } = {},
): { renewed_access_tokens: number; renewed_refresh_tokens: number } {
  const now = clock();
  const fresh = seedWorld(clock, 'healthy', { empty: options.empty });
  const keepTokens = options.keepTokens ?? true;
  const next: SandboxState = {
    ...fresh,
    apps: { ...fresh.apps, ...state.apps },
    access_tokens: keepTokens ? state.access_tokens : {},
    refresh_tokens: keepTokens ? state.refresh_tokens : {},
    auth_codes: keepTokens ? state.auth_codes : {},
    outbox: state.outbox,
    delivered: state.delivered,
    requests: options.clearLog ? [] : state.requests,
    unhandled: options.clearLog ? [] : state.unhandled,
  };
  // A fresh world keeps connected clients working: tokens a scenario (expired-tokens) or time travel
  // expired come back to life, unless revoked or rotated away; the dead-token scenario then expires
  // the default account's again, which is its point.
  let renewedAccess = 0;
  let renewedRefresh = 0;
  if (keepTokens) {
    for (const t of Object.values(next.access_tokens)) {
      if (t.revoked_at === undefined && t.expires_at <= now) {
        t.expires_at = now + ACCESS_TOKEN_TTL_SECONDS * 1000;
        renewedAccess++;
      }
    }
    for (const t of Object.values(next.refresh_tokens)) {
      if (t.revoked_at === undefined && t.used_at === undefined && t.expires_at <= now) {
        t.expires_at = now + REFRESH_TOKEN_TTL_SECONDS * 1000;
        renewedRefresh++;
      }
    }
  }
  applyScenario(next, scenario, now);
  // Replace in place so holders of the object (the handler, a running dispatcher) see the new world.
  for (const key of Object.keys(state) as (keyof SandboxState)[]) delete state[key];
  Object.assign(state, next);
  return { renewed_access_tokens: renewedAccess, renewed_refresh_tokens: renewedRefresh };
}
