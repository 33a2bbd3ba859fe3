// `send --image` and `--share-post` against a served sandbox: type by content (a PNG named .jpg, a text
// file named .png), the 3 MB edge, upload then send, TikTok's per-conversation IMAGE_SEND capability,
// media/risk-control refusals (exit 5), and --dry-run uploading nothing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conversation, SEED, useConnectedWorld } from '../helpers/account.js';
import { parseJson, runCli } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { jpegBytes, pngBytes } from '../helpers/images.js';
import { IMAGE_MAX_BYTES } from '../../src/tiktok/limits.js';

const MAYA = SEED.conversations.maya;
const files = mkdtempSync(join(tmpdir(), 'ttc-images-'));
const file = (name: string, bytes: Uint8Array | string) => {
  const path = join(files, name);
  writeFileSync(path, bytes);
  return path;
};

const ctx = useConnectedWorld();

describe('send --image', () => {
  it('uploads (multipart) and sends the media_id', async () => {
    const result = await runCli(['send', '--to', MAYA, '--image', file('receipt.png', pngBytes(2048)), '--json'], { env: ctx.env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = parseJson(result.stdout);
    expect(out).toMatchObject({ conversation_id: MAYA, message_type: 'IMAGE', messages_left: 9 });

    const state = await ctx.world.state();
    const uploads = state.media.filter((media: any) => media.business_id === ctx.account.businessId && media.size === 2048);
    expect(uploads).toHaveLength(1);
    expect(uploads[0].mime).toBe('image/png');
    const last = conversation(state, MAYA).messages.at(-1);
    expect(last).toMatchObject({ message_id: out.message_id, message_type: 'IMAGE', image: { media_id: uploads[0].media_id } });
    expect(ctx.world.requestsTo(state, 'business/message/capabilities/get/')).toHaveLength(1);
    expect(state.unhandled).toEqual([]);
  });

  it('trusts the bytes, not the name: a PNG renamed .jpg is sent as PNG with a warning', async () => {
    const result = await runInProcess(['send', '--to', MAYA, '--image', file('photo.jpg', pngBytes(1000)), '--json'], { env: ctx.env });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('photo.jpg is a PNG image despite its name; it is uploaded as photo.png');
    const state = await ctx.world.state();
    expect(state.media.find((media: any) => media.size === 1000)?.mime).toBe('image/png');
  });

  it('accepts a JPEG', async () => {
    const result = await runInProcess(['send', '--to', MAYA, '--image', file('shot.jpeg', jpegBytes(4096))], { env: ctx.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Sent message \d+ to @maya\.lopez/);
  });

  it('refuses a text file renamed .png with exit 2, before any network call', async () => {
    const result = await runInProcess(['send', '--to', MAYA, '--image', file('fake.png', 'just some notes, not an image\n'), '--json'], { env: ctx.env });
    expect(result.code).toBe(2);
    const { error } = parseJson(result.stdout);
    expect(error.kind).toBe('validation');
    expect(error.message).toContain('fake.png is a text file; TikTok accepts JPG or PNG images only');
    expect(ctx.world.apiRequests(await ctx.world.state())).toEqual([]);
  });

  it('sends exactly 3 MB and refuses one byte more before any network call', async () => {
    const edge = await runInProcess(['send', '--to', MAYA, '--image', file('edge.png', pngBytes(IMAGE_MAX_BYTES)), '--json'], { env: ctx.env });
    expect(edge.code).toBe(0);
    expect((await ctx.world.state()).media.some((media: any) => media.size === IMAGE_MAX_BYTES)).toBe(true);

    await ctx.world.reset();
    const over = await runInProcess(['send', '--to', MAYA, '--image', file('over.png', pngBytes(IMAGE_MAX_BYTES + 1)), '--json'], { env: ctx.env });
    expect(over.code).toBe(2);
    expect(parseJson(over.stdout).error.message).toContain('TikTok accepts images up to 3 MiB (3,145,728 bytes)');
    expect(ctx.world.apiRequests(await ctx.world.state())).toEqual([]);
  });

  it('refuses a missing file with exit 2', async () => {
    const result = await runInProcess(['send', '--to', MAYA, '--image', join(files, 'missing.png')], { env: ctx.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing.png does not exist');
  });

  it('asks TikTok first and refuses early when images are blocked for the region (exit 5)', async () => {
    await ctx.world.reset('media-blocked');
    const result = await runInProcess(['send', '--to', MAYA, '--image', file('blocked.png', pngBytes()), '--json'], { env: ctx.env });
    expect(result.code).toBe(5);
    const { error } = parseJson(result.stdout);
    expect(error.kind).toBe('policy');
    expect(error.message).toContain('does not allow sending images in this conversation');
    expect(error.hint).toMatch(/cannot be fixed from here/);
    const state = await ctx.world.state();
    expect(ctx.world.requestsTo(state, 'business/message/media/upload/')).toEqual([]);
    expect(ctx.world.requestsTo(state, 'business/message/send/')).toEqual([]);
  });

  it('refuses per conversation: a user in a media-blocked region (JP) gets no image, others still do', async () => {
    const { conversation_id } = await ctx.world.control('POST', 'messages', { from_username: 'kenji.t', text: 'Photo of the label?', region: 'JP' });
    const blocked = await runInProcess(['send', '--to', conversation_id, '--image', file('label.png', pngBytes()), '--json'], { env: ctx.env });
    expect(blocked.code).toBe(5);
    expect(parseJson(blocked.stdout).error.message).toContain('with @kenji.t (IMAGE_SEND capability: false)');
    expect(ctx.world.requestsTo(await ctx.world.state(), 'business/message/media/upload/')).toEqual([]);

    const allowed = await runInProcess(['send', '--to', MAYA, '--image', file('label.png', pngBytes())], { env: ctx.env });
    expect(allowed.code).toBe(0);
  });

  it('maps "risk control strategy" and "Media send strategy" refusals to exit 5 with the explanation', async () => {
    for (const [message, expected] of [
      ['Due to risk control strategy, this message cannot be sent.', /risk control refused this media for the account; this cannot be fixed from the CLI/],
      [
        'Due to Media send strategy, images cannot be sent in this conversation.',
        /media send strategy limits some regions and accounts\); this cannot be fixed from the CLI/,
      ],
    ] as const) {
      await ctx.world.reset();
      await ctx.world.control('POST', 'faults', { path: 'business/message/send/', kind: 'code', code: 40064, message, times: 1 });
      const result = await runInProcess(['send', '--to', MAYA, '--image', file('flagged.png', pngBytes()), '--json'], { env: ctx.env });
      expect(result.code).toBe(5);
      const { error } = parseJson(result.stdout);
      expect(error).toMatchObject({ kind: 'policy', tiktok_code: 40064 });
      expect(error.message).toContain(message);
      expect(error.hint).toMatch(expected);
      expect(error.request_id).toBeTruthy();
    }
  });

  it('--dry-run checks the capability but uploads and sends nothing', async () => {
    const result = await runInProcess(['send', '--to', MAYA, '--image', file('draft.png', pngBytes(500)), '--dry-run', '--json'], { env: ctx.env });
    expect(result.code).toBe(0);
    const out = parseJson(result.stdout);
    expect(out).toMatchObject({ dry_run: true, message_type: 'IMAGE', image: { content_type: 'image/png', size: 500 } });
    const state = await ctx.world.state();
    expect(ctx.world.requestsTo(state, 'business/message/capabilities/get/')).toHaveLength(1);
    expect(ctx.world.requestsTo(state, 'business/message/media/upload/')).toEqual([]);
    expect(ctx.world.requestsTo(state, 'business/message/send/')).toEqual([]);
  });
});

describe('send --share-post', () => {
  it("shares one of the account's posts", async () => {
    const result = await runInProcess(['send', '--to', MAYA, '--share-post', SEED.posts[1], '--json'], { env: ctx.env });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({ message_type: 'SHARE_POST', messages_left: 9 });
    expect(conversation(await ctx.world.state(), MAYA).messages.at(-1)).toMatchObject({ message_type: 'SHARE_POST', share_post: { item_id: SEED.posts[1] } });
  });

  it("takes the id from a video URL, and reports TikTok's refusal of a post that is not the account's", async () => {
    const url = await runInProcess(
      ['send', '--to', MAYA, '--share-post', `https://www.tiktok.com/@acme.studio/video/${SEED.posts[2]}`, '--dry-run', '--json'],
      {
        env: ctx.env,
      },
    );
    expect(parseJson(url.stdout).request.share_post).toEqual({ item_id: SEED.posts[2] });

    const foreign = await runInProcess(['send', '--to', MAYA, '--share-post', '7000000000000000000', '--json'], { env: ctx.env });
    expect(foreign.code).toBe(2);
    expect(parseJson(foreign.stdout).error).toMatchObject({ tiktok_code: 40007 });

    const junk = await runInProcess(['send', '--to', MAYA, '--share-post', 'my-post'], { env: ctx.env });
    expect(junk.code).toBe(2);
    expect(junk.stderr).toContain('--share-post expects the id');
  });
});
