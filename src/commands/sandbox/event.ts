// `sandbox event KIND`: every other delivery TikTok makes. The definition only: the body (./impl.ts)
// loads when the command runs.
import type { Deps } from '../../deps.js';
import type { CommandResult } from '../../io/output.js';
import { argument, defineCommand, flag, text, type OptionsOf } from '../../spec.js';
import { controlUrl } from '../sandbox.js';
import { shapeOptions } from './message.js';

export const definition = defineCommand({
  path: ['sandbox', 'event'],
  summary: 'every other delivery TikTok makes (webhooks delivered if registered)',
  examples: [
    'tiktok-channel sandbox event sticker --from maya',
    'tiktok-channel sandbox event template-tap --button size-m',
    'tiktok-channel sandbox event reaction --emoji ❤️ --message <message_id>',
    'tiktok-channel sandbox event auto-message --type welcome --action enable',
  ],
  // Not a commander choice: an unknown kind gets the list of kinds as its hint.
  arguments: {
    kind: argument(
      '<kind>',
      'sticker, image, video, emoji, share-post, template-tap, app-reply, read, reaction, smart-plus-ad, auto-message, auto-message-audit, high-intent-comment, authorization-removed or unknown',
    ),
  },
  options: {
    from: text('--from <username>', 'the user (default: the seeded user)'),
    button: text('--button <id>', 'template-tap: the id of the tapped button of the latest card'),
    text: text('--text <text>', 'app-reply, high-intent-comment: the text'),
    web: flag('--web', 'app-reply: from the web inbox instead of the app'),
    emoji: text('--emoji <emoji>', 'reaction: the emoji'),
    message: text('--message <message_id>', "reaction: the message reacted to (default: the business's latest)"),
    remove: flag('--remove', 'reaction: take the reaction back'),
    type: text('--type <type>', 'auto-message(-audit): welcome, suggested-question or chat-prompt'),
    action: text('--action <action>', 'auto-message: create, update, delete, enable or disable'),
    status: text('--status <status>', 'auto-message-audit: approved or rejected'),
    name: text('--name <event>', 'unknown: the event name'),
    item: text('--item <item_id>', 'share-post: the shared post'),
    reason: text('--reason <n>', "authorization-removed: TikTok's reason 0-5 (default 1: the holder disconnected the app); revokes the account's tokens first"),
    ...shapeOptions(),
    controlUrl: controlUrl(),
  },
});

export type EventOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./impl.js')).event(options, deps);
}
