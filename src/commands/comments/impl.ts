// `comments status|enable|disable`: high-intent comments reach the account, and `send --comment-reply`
// can answer them, only while Comment-to-Message is on.
import type { Deps } from '../../deps.js';
import { usageError } from '../../errors.js';
import { displaySafe } from '../../io/format.js';
import { output, type Output } from '../../io/output.js';
import { getCommentToMessage, setCommentToMessage } from '../../tiktok/messaging-api.js';
import type { CommentsOptions } from '../comments.js';

export type CommentsAction = 'status' | 'enable' | 'disable';

export async function comments(options: CommentsOptions, deps: Deps): Promise<Output<{ business_id: string; enabled: boolean | null }>> {
  const { io } = deps;
  const action = options.action as CommentsAction;
  if (!['status', 'enable', 'disable'].includes(action))
    throw usageError(`Unknown action "${options.action}".`, 'Use `comments status`, `comments enable` or `comments disable`.');
  const account = deps.resolveAccount();
  const session = await deps.session(account);
  const businessId = account.businessId;
  let enabled: boolean | undefined;
  if (action === 'status') {
    enabled = await io.progress('Asking TikTok…', () => session.call((token) => getCommentToMessage(session.client, token, businessId)));
  } else {
    enabled = action === 'enable';
    await io.progress(`Turning Comment-to-Message ${enabled ? 'on' : 'off'}…`, () =>
      session.call((token) => setCommentToMessage(session.client, token, businessId, enabled!)),
    );
  }
  const who = displaySafe(`${account.channelName}${account.username ? ` (@${account.username})` : ''}`);
  return output({ business_id: businessId, enabled: enabled ?? null }, (_data, io) => {
    if (enabled === undefined) {
      io.out(`TikTok did not say whether Comment-to-Message is on for ${who}.`);
      io.info('`tiktok-channel comments enable` turns it on either way.');
    } else if (enabled) {
      io.out(`Comment-to-Message is on for ${who}: high-intent comments reach it, and \`tiktok-channel send --comment-reply\` can answer them.`);
    } else {
      io.out(`Comment-to-Message is off for ${who}: TikTok delivers no high-intent comments, so there is nothing to answer with \`send --comment-reply\`.`);
      if (action === 'status') io.info('Turn it on with `tiktok-channel comments enable`.');
    }
  });
}
