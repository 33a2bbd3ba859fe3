// `sandbox event KIND` through the built CLI on the embedded sandbox (connect --sandbox in a temp config
// dir): a node:http receiver registered through the sandbox API gets every kind, signed; usage errors
// exit 2; `sandbox message` takes the delivery options too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_API_BASE_URL, SEED, openEmbeddedSandbox } from '../../src/sandbox/index.js';
import { SANDBOX_APP } from '../../src/sandbox/seed.js';
import { parseJson, tempConfigDir } from '../helpers/cli.js';
import { runInProcess } from '../helpers/run.js';
import { expectDelivery, KIND_CASES, parseDelivery, startReceiver, verifySignature, type Casing, type Receiver, type ShapeContext } from '../helpers/events.js';
import { readStore } from '../helpers/sandbox.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe('embedded: sandbox event KIND reaches the registered receiver', () => {
  let configDir: string;
  let receiver: Receiver;
  let api: (path: string, body: unknown) => Promise<any>;

  beforeAll(async () => {
    configDir = tempConfigDir('ttc-events-');
    const connect = await runInProcess(['connect', '--sandbox', '--json'], { configDir });
    expect(connect.code).toBe(0);
    // High-intent comments arrive only while Comment-to-Message is on (off for a new account).
    expect((await runInProcess(['comments', 'enable'], { configDir })).code).toBe(0);
    receiver = await startReceiver();
    const token = readStore(configDir).accounts[SEED.defaultBusinessId].accessToken as string;
    const sandbox = openEmbeddedSandbox(configDir);
    api = async (path, body) => {
      const response = await sandbox.transport({
        method: 'POST',
        url: `${EMBEDDED_API_BASE_URL}${path}`,
        headers: { 'content-type': 'application/json', 'access-token': token },
        body: encoder.encode(JSON.stringify(body)),
      });
      return JSON.parse(decoder.decode(response.body));
    };
    // Registered through the sandbox's own API, as a receiver's owner would.
    const registered = await api('business/webhook/update/', {
      app_id: SANDBOX_APP.client_key,
      secret: SANDBOX_APP.client_secret,
      event_type: 'DIRECT_MESSAGE',
      callback_url: receiver.url,
    });
    expect(registered.code).toBe(0);
  });

  afterAll(async () => receiver.close());

  KIND_CASES.forEach((kindCase, index) => {
    // Alternate casings so both reach a receiver through the embedded mode as well.
    const casing: Casing = index % 2 ? 'upper' : 'lower';
    it(`${kindCase.kind} ${kindCase.flags.join(' ')} (${casing} case)`, async () => {
      const ctx: ShapeContext = { businessId: SEED.defaultBusinessId, businessUsername: 'acme.studio', userId: SEED.users.maya, username: 'maya.lopez' };
      if (kindCase.needsCard) {
        const card = await api('business/message/send/', {
          business_id: SEED.defaultBusinessId,
          recipient_type: 'CONVERSATION',
          recipient: SEED.conversations.maya,
          message_type: 'TEMPLATE',
          template: { type: 'QA_LINK_CARD', title: 'Which size?', buttons: [{ type: 'REPLY', title: 'Medium', id: 'size-m' }] },
        });
        expect(card.code).toBe(0);
        ctx.card = { message_id: card.data.message.message_id, button_id: 'size-m', label: 'Medium' };
      }
      const before = receiver.deliveries.length;
      const args = [
        'sandbox',
        'event',
        kindCase.kind,
        '--from',
        'maya.lopez',
        ...kindCase.flags,
        ...(casing === 'upper' ? ['--casing', 'upper'] : []),
        '--json',
      ];
      const result = await runInProcess(args, { configDir });
      expect(result.code, result.stderr).toBe(0);
      const answer = parseJson(result.stdout);
      expect(answer).toMatchObject({ event: kindCase.event, webhooks_queued: 1 });
      // Embedded mode delivers before the command exits.
      const delivery = await receiver.waitFor((d) => receiver.deliveries.indexOf(d) >= before && JSON.parse(d.body).event === kindCase.event, 5_000);
      expectDelivery(delivery, kindCase, answer, ctx, casing, SANDBOX_APP.client_secret, SANDBOX_APP.client_key);
    });
  });

  it('sandbox message --image --create-time-ms --scene-type 7: create_time in ms, scene_type as a number', async () => {
    const before = receiver.deliveries.length;
    const started = Date.now();
    const result = await runInProcess(['sandbox', 'message', '--from', 'maya', '--image', '--create-time-ms', '--scene-type', '7', '--json'], { configDir });
    expect(result.code, result.stderr).toBe(0);
    const delivery = await receiver.waitFor((d) => receiver.deliveries.indexOf(d) >= before, 5_000);
    verifySignature(delivery, SANDBOX_APP.client_secret);
    const { envelope, content } = parseDelivery(delivery);
    expect(envelope.create_time).toBeGreaterThanOrEqual(started);
    expect(envelope.create_time).toBeLessThanOrEqual(Date.now());
    expect(content).toMatchObject({ type: 'image', image: { media_id: expect.any(String) }, scene_type: 7, message_id: parseJson(result.stdout).message_id });
  });

  it('prints what happened for people: the events on stdout, the deliveries on stderr', async () => {
    const result = await runInProcess(['sandbox', 'event', 'high-intent-comment', '--text', 'price?'], { configDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^high-intent-comment: im_receive_high_intent_comment\ncomment_id \d+\n$/);
    expect(result.stderr).toContain('1 webhook delivery queued');
  });

  it("usage errors exit 2 before anything happens, with the contract's JSON error document", async () => {
    const before = receiver.deliveries.length;
    const missing = await runInProcess(['sandbox', 'event', 'template-tap', '--json'], { configDir });
    expect(missing.code).toBe(2);
    expect(parseJson(missing.stdout).error).toMatchObject({ kind: 'usage', message: 'template-tap needs --button.' });
    const stray = await runInProcess(['sandbox', 'event', 'sticker', '--button', 'x'], { configDir });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--button does not apply to sticker.');
    const unknown = await runInProcess(['sandbox', 'event', 'gift'], { configDir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown event kind "gift"');
    // Refused by the sandbox (a control 400): still a validation error.
    const wrongButton = await runInProcess(['sandbox', 'event', 'template-tap', '--button', 'size-xxl'], { configDir });
    expect(wrongButton.code).toBe(2);
    expect(wrongButton.stderr).toMatch(/Unknown button "size-xxl"/);
    const casing = await runInProcess(['sandbox', 'event', 'sticker', '--casing', 'camel'], { configDir });
    expect(casing.code).toBe(2);
    expect(receiver.deliveries.length).toBe(before);
  });

  it('reset --scenario advanced-access-rollout is a known scenario', async () => {
    const dir = tempConfigDir('ttc-rollout-');
    expect((await runInProcess(['connect', '--sandbox'], { configDir: dir })).code).toBe(0);
    const reset = await runInProcess(['sandbox', 'reset', '--scenario', 'advanced-access-rollout', '--json'], { configDir: dir });
    expect(reset.code).toBe(0);
    expect(parseJson(reset.stdout)).toMatchObject({ scenario: 'advanced-access-rollout' });
  });
});
