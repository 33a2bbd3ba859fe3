// The tolerant readers every event decoder shares (events.ts, event-content.ts): each turns one field of
// whatever TikTok sent into the type we keep, or null, and never throws (see events.ts's header for why).
import { sha256Hex } from './sha256.js';
import type { EventParty } from './events.js';

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function object(value: unknown): Json {
  return isObject(value) ? value : {};
}

export function text(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  // Ids above 2^53 may arrive as bigint-ish strings or numbers; anything else is not text.
  return null;
}

/** An id: like text, but blank ids are no ids (a message_id of " " must not become a dedupe key). */
export function identifier(value: unknown): string | null {
  const value_ = text(value);
  return value_ === null || value_.trim() === '' ? null : value_;
}

export function upper(value: unknown): string | null {
  const value_ = text(value);
  return value_ === null ? null : value_.toUpperCase();
}

export function lower(value: unknown): string | null {
  const value_ = text(value);
  return value_ === null ? null : value_.toLowerCase();
}

export function bool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 1) return true;
  if (value === 'false' || value === 0) return false;
  return null;
}

/** Seconds or milliseconds (both seen in the wild) to milliseconds. */
export function toEpochMs(value: unknown): number | null {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number <= 0) return null;
  return number < 1e12 ? Math.round(number * 1000) : Math.round(number);
}

export function iso(ms: number | null): string | null {
  if (ms === null) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** A user id where a username was expected: TikTok user ids are long digit strings, usernames rarely are. */
const USER_ID = /^\d{16,}$/;

export function party(user: unknown, username: unknown): EventParty | null {
  const record = object(user);
  let id = identifier(record.id);
  let name = text(username);
  // Some integrations' deliveries put the user's id in `sender`/`from` (low confidence, one source):
  // a bare number, or 16+ digits, is kept as the id, not shown as a username.
  if (name !== null && (typeof username === 'number' || USER_ID.test(name))) {
    id ??= name;
    name = null;
  }
  const role = lower(record.role);
  return id === null && name === null && role === null ? null : { id, username: name, role };
}

const utf8 = new TextEncoder();

/** sha256 of the parts, each followed by NUL; plain JavaScript so that Node and the edge name alike. */
export function hashId(parts: Array<string | Uint8Array>): string {
  const chunks = parts.map((part) => (typeof part === 'string' ? utf8.encode(part) : part));
  const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length + 1, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length + 1;
  }
  return `h:${sha256Hex(all).slice(0, 32)}`;
}
