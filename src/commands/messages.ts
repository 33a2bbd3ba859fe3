// `messages <conversation_id|@username>`: a conversation's recent messages, oldest first. The definition
// only: the body (./messages/impl.ts) loads when the command runs.
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { argument, defineCommand, text, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['messages'],
  summary: 'read a conversation: its recent messages (TikTok keeps the 20 most recent), oldest first',
  examples: [
    'tiktok-channel messages "$CONVERSATION"',
    'tiktok-channel messages "$CONVERSATION" --download-media ./media',
    'tiktok-channel messages "$CONVERSATION" --json | jq \'.messages[].text\'',
    'tiktok-channel messages @maya.lopez',
  ],
  usage: '<conversation_id|@username> [options]',
  // Optional for commander so a missing id gets our error, which points at `conversations`.
  arguments: { conversationId: argument('[conversation_id]', 'the conversation: its id, or @username of the user in it') },
  options: {
    downloadMedia: text('--download-media <dir>', 'save images and videos to DIR, named by message id (files already there are skipped)'),
  },
});

export type MessagesOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./messages/impl.js')).messages(options, deps);
}
