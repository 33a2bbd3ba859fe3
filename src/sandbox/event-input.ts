// Readers for the control body of `POST /sandbox/events` (and `sandbox event`): each refuses a bad field
// with a ControlError naming it. Shared by events.ts and event-reaction.ts.
import type { ConversationRecord, AccountRecord, UserRecord } from './types.js';
import { findUser, writerName } from './users.js';
import { ControlError, type Params, type World } from './world.js';

export function optionalString(body: Params, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !value) throw new ControlError(400, `${key} must be a non-empty string.`);
  return value;
}

export function requiredString(body: Params, key: string, kind: string): string {
  const value = optionalString(body, key);
  if (value === undefined) throw new ControlError(400, `${key} is required for ${kind}.`);
  return value;
}

export function optionalBoolean(body: Params, key: string): boolean {
  const value = body[key];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ControlError(400, `${key} must be true or false.`);
  return value;
}

/** The conversation the user already has with the account (these kinds cannot open one). */
export function existingConversation(world: World, account: AccountRecord, body: Params, kind: string): { user: UserRecord; conv: ConversationRecord } {
  const username = writerName(body.from_username);
  const user = findUser(world, username);
  const conv = user && Object.values(world.state.conversations).find((c) => c.business_id === account.business_id && c.user_id === user.id);
  if (!user || !conv)
    throw new ControlError(400, `${kind} needs a conversation: @${username} has none with @${account.username} (send \`sandbox message\` first).`);
  return { user, conv };
}
