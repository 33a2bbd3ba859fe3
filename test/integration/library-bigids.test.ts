// Ids TikTok sends as bare 19-digit JSON numbers (comment_id, video_id; tiktok-api.md §5) stay exact
// end to end: a delivery signed the way TikTok signs, received by `tail --json` (a child process, real
// HTTP), then replayed from its journal by `tail --since`: the same digits, never 7247303576418567000.
import { describe, expect, it } from 'vitest';
import { useConnectedWorld, SEED } from '../helpers/account.js';
import { runInProcess } from '../helpers/run.js';
import { interrupt, post, sign, startTail } from '../helpers/tail.js';

const ctx = useConnectedWorld();
const BIZ: string = SEED.defaultBusinessId;

function bigIdDelivery(): string {
  const t = Math.floor(Date.now() / 1000);
  // Written by hand, not JSON.stringify: a JavaScript number cannot even hold these ids.
  const content =
    `{"comment_id":7247303576418566913,"video_id":7247303576418566001,"text":{"body":"Is the blue mug in stock?"},` +
    `"from_user":{"id":"${SEED.users.maya}","role":"personal_account"},"to_user":{"id":"${BIZ}","role":"business_account"},"is_follower":true,"timestamp":${t}}`;
  return `{"client_key":"awsbx7k2m9q4t8h1","event":"im_receive_high_intent_comment","create_time":${t},"user_openid":"${BIZ}","log_id":7247303576418566999,"content":${JSON.stringify(content)}}`;
}

describe('19-digit numeric ids', () => {
  it('tail --json prints them exactly, and so does the journal replay', async () => {
    const configDir = await ctx.world.store(ctx.account);
    const secret = ctx.world.server.clientSecret;
    const body = bigIdDelivery();
    const tail = await startTail(['--port', '0'], { configDir });
    let live: string;
    try {
      expect((await post(tail.url, body, { 'tiktok-signature': sign(secret, body) })).status).toBe(200);
      const [event] = await tail.waitForEvents(1);
      expect(event).toMatchObject({ kind: 'high_intent_comment', comment: { id: '7247303576418566913', text: 'Is the blue mug in stock?' } });
      expect(event.raw.content.video_id).toBe('7247303576418566001');
      expect(event.raw.log_id).toBe('7247303576418566999');
      live = (await interrupt(tail)).stdout.trim();
    } finally {
      tail.child.kill('SIGKILL');
    }
    expect(live).toContain('"7247303576418566913"');
    expect(live).not.toMatch(/72473035764185670{3}/);

    const replay = await runInProcess(['tail', '--port', '0', '--since', '1h', '--timeout', '2'], { configDir });
    expect(replay.code, replay.stderr).toBe(0);
    const lines = replay.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/72473035764185670{3}/);
    const replayed = JSON.parse(lines[0]!);
    expect(replayed).toMatchObject({
      comment: { id: '7247303576418566913' },
      raw: { log_id: '7247303576418566999', content: { video_id: '7247303576418566001' } },
    });
  }, 60_000);
});
