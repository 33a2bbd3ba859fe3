// The sandbox's rules, one facade over the files that hold them, one per area of TikTok's platform:
//   auth.ts           OAuth: authorize, token exchange, refresh, revoke, token info, authenticate (tiktok-api.md §2)
//   business.ts       business/get (§3)
//   conversations.ts  conversation/list, content/list, the 48-hour window and its quota (§4)
//   send.ts           business/message/send: content blocks, cards, sender actions, DM rules (§4, §7)
//   comment-to-message.ts  direct_reply/update|get: the Comment-to-Message switch (§4)
//   media.ts          upload, download, capabilities, media strategy (§4)
//   webhooks.ts       registration, content shapes, signing, the outbox (§5)
//   users.ts          a TikTok user writes or arrives (control API)
//   events.ts         every other delivery: stickers, taps, app replies, reads, reactions, comments, … (§5)
//   control.ts        settings, time travel, faults, rate limits, tokens, reset, the /state view
// They all work on one World (the state and the clock, world.ts). SandboxCore keeps the method names
// the handler, the servers and tests call.
import * as business from './business.js';
import * as commentToMessage from './comment-to-message.js';
import * as control from './control.js';
import * as conversations from './conversations.js';
import * as events from './events.js';
import * as media from './media.js';
import * as oauth from './auth.js';
import * as sending from './send.js';
import * as users from './users.js';
import * as webhooks from './webhooks.js';
import type { AccountRecord, ConversationRecord, FaultRecord, SandboxState, ScenarioName, UserRecord } from './types.js';
import { World, type Params } from './world.js';

export { ApiError, AuthorizeError, CODE, ControlError, codePointLength, type Params } from './world.js';
export { BUSINESS_FIELDS } from './business.js';
export type { ConversationType, WindowInfo } from './conversations.js';
export { PLACEHOLDER_PNG, sniffImage } from './media.js';
export type { AuthorizeCheck, AuthorizeDecision } from './auth.js';
export type { UserMessageInput, UserMessageResult } from './users.js';
export { EVENT_KINDS, type EventKind, type EventResult } from './events.js';

export class SandboxCore {
  readonly world: World;

  constructor(state: SandboxState, clock: () => number = Date.now) {
    this.world = new World(state, clock);
  }

  get state(): SandboxState {
    return this.world.state;
  }

  set state(state: SandboxState) {
    this.world.state = state;
  }

  get clock(): () => number {
    return this.world.clock;
  }

  now(): number {
    return this.world.now();
  }

  // OAuth
  checkAuthorize(params: Params): oauth.AuthorizeCheck {
    return oauth.checkAuthorize(this.world, params);
  }
  decideAuthorize(check: oauth.AuthorizeCheck, decision: { approve: boolean; business_id?: string }): oauth.AuthorizeDecision {
    return oauth.decideAuthorize(this.world, check, decision);
  }
  exchangeCode(body: Params) {
    return oauth.exchangeCode(this.world, body);
  }
  refresh(body: Params) {
    return oauth.refresh(this.world, body);
  }
  revoke(body: Params) {
    return oauth.revoke(this.world, body);
  }
  tokenInfo(body: Params) {
    return oauth.tokenInfo(this.world, body);
  }
  appOfToken(header: string | undefined): string | undefined {
    return oauth.appOfToken(this.world, header);
  }
  accountOfToken(header: string | undefined): string | undefined {
    return oauth.accountOfToken(this.world, header);
  }
  authenticate(accessToken: string | undefined, businessId: unknown, options: { scopes: readonly string[]; messaging: boolean; authorizationHeader?: boolean }) {
    return oauth.authenticate(this.world, accessToken, businessId, options);
  }

  // Account
  getBusiness(accessToken: string | undefined, params: Params, authorizationHeader = false) {
    return business.getBusiness(this.world, accessToken, params, authorizationHeader);
  }

  // Conversations and messages
  conversationType(conv: ConversationRecord): conversations.ConversationType {
    return conversations.conversationType(this.world, conv);
  }
  windowOf(conv: ConversationRecord): conversations.WindowInfo {
    return conversations.windowOf(this.world, conv);
  }
  listConversations(accessToken: string | undefined, params: Params, authorizationHeader = false) {
    return conversations.listConversations(this.world, accessToken, params, authorizationHeader);
  }
  listMessages(accessToken: string | undefined, params: Params, authorizationHeader = false) {
    return conversations.listMessages(this.world, accessToken, params, authorizationHeader);
  }
  send(accessToken: string | undefined, body: Params, authorizationHeader = false) {
    return sending.send(this.world, accessToken, body, authorizationHeader);
  }

  // Comment-to-Message
  updateDirectReply(accessToken: string | undefined, body: Params, authorizationHeader = false) {
    return commentToMessage.updateDirectReply(this.world, accessToken, body, authorizationHeader);
  }
  getDirectReply(accessToken: string | undefined, params: Params, authorizationHeader = false) {
    return commentToMessage.getDirectReply(this.world, accessToken, params, authorizationHeader);
  }

  // Media
  imageRefusal(account: AccountRecord, user: UserRecord | undefined): string | undefined {
    return media.imageRefusal(account, user);
  }
  uploadMedia(accessToken: string | undefined, fields: Params, file: { data: Uint8Array; filename?: string } | undefined, authorizationHeader = false) {
    return media.uploadMedia(this.world, accessToken, fields, file, authorizationHeader);
  }
  downloadMedia(accessToken: string | undefined, body: Params, origin: string, authorizationHeader = false) {
    return media.downloadMedia(this.world, accessToken, body, origin, authorizationHeader);
  }
  capabilities(accessToken: string | undefined, params: Params, authorizationHeader = false) {
    return media.capabilities(this.world, accessToken, params, authorizationHeader);
  }

  // Webhook registration
  webhookUpdate(body: Params) {
    return webhooks.webhookUpdate(this.world, body);
  }
  webhookList(params: Params) {
    return webhooks.webhookList(this.world, params);
  }
  webhookDelete(body: Params) {
    return webhooks.webhookDelete(this.world, body);
  }

  // The world (control API)
  userWrites(input: users.UserMessageInput): users.UserMessageResult {
    return users.userWrites(this.world, input);
  }
  event(body: Params): events.EventResult {
    return events.platformEvent(this.world, body);
  }
  updateAccount(businessId: string, patch: Params): AccountRecord {
    return control.updateAccount(this.world, businessId, patch);
  }
  advance(seconds: number): { advanced_seconds: number } {
    return control.advance(this.world, seconds);
  }
  addFault(input: Params): FaultRecord {
    return control.addFault(this.world, input);
  }
  clearFaults(): void {
    control.clearFaults(this.world);
  }
  consumeFault(relativePath: string): FaultRecord | undefined {
    return control.consumeFault(this.world, relativePath);
  }
  setLimits(input: Params) {
    return control.setLimits(this.world, input);
  }
  chargeRate(appKey: string): void {
    control.chargeRate(this.world, appKey);
  }
  setOAuthModes(input: Params) {
    return control.setOAuthModes(this.world, input);
  }
  setClock(input: Params) {
    return control.setClock(this.world, input);
  }
  expireTokens(input: Params) {
    return control.expireTokens(this.world, input);
  }
  consentedToken(input: Params = {}) {
    return control.consentedToken(this.world, input);
  }
  reset(input: Params): control.ResetAnswer {
    return control.reset(this.world, input);
  }
  view(): Record<string, unknown> {
    return control.view(this.world);
  }
}
