// `send`: a message after the local checks (length, file, card limits, window, quota). The definition
// only: the body (./send/impl.ts) loads when the command runs.
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { choice, defineCommand, flag, list, optionalValue, text, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['send'],
  summary: 'send a message after checking length, file, window and quota',
  examples: [
    'tiktok-channel send --to "$CONVERSATION" --text "Your order has shipped"',
    'echo "Hello" | tiktok-channel send --to "$CONVERSATION" --text -',
    'tiktok-channel send --to "$CONVERSATION" --image receipt.png --json',
    'tiktok-channel send --to "$CONVERSATION" --card "Size?" --button s:S m:M',
    'tiktok-channel send --to "$CONVERSATION" --action typing',
    'tiktok-channel send --comment-reply "$COMMENT_ID" --text "See your DMs"',
    'tiktok-channel send --to "$CONVERSATION" --text "Ready?" --wait-reply 60',
  ],
  options: {
    to: text('--to <conversation_id>', 'the conversation to reply in: its id, or @username of the user in it'),
    text: text('--text <text>', 'the text, or - to read it from stdin'),
    image: text('--image <file>', 'a JPG or PNG image up to 3 MiB (3,145,728 bytes)'),
    sharePost: text(
      '--share-post <item_id>',
      "share one of the account's own public posts: the digits at the end of its video URL (tiktok.com/@you/video/<item_id>), or that URL",
    ),
    card: text('--card <title>', 'a Q&A card with this title (up to 40 characters) and 1 to 3 --button'),
    button: list('--button <id:label...>', 'a card button: the id comes back on a tap, the label is shown (up to 20; 40 on a link card)'),
    linkCard: flag(
      '--link-card',
      "with --card: TikTok's other Q&A card type (QA_LINK_CARD instead of QA_BUTTON_CARD): the same tap-to-answer buttons, labels up to 40 characters instead of 20",
    ),
    action: choice('--action <action>', 'a sender action; uses none of the 10 messages', ['typing', 'mark-read']),
    commentReply: text('--comment-reply <comment_id>', 'with --text: answer a high-intent comment privately (no --to)'),
    replyTo: text('--reply-to <message_id>', 'quote this message (text or image)'),
    waitReply: optionalValue('--wait-reply [seconds]', "after sending, wait for the user's next message and print it (default 300; exit 7 on timeout)"),
    dryRun: flag('--dry-run', 'do every check and print what would be sent, without sending'),
    force: flag('--force', 'skip the local window/quota check and let TikTok decide'),
  },
});

export type SendOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./send/impl.js')).send(options, deps);
}
