// 1,000 sends through the served sandbox over loopback with the project's client, against a baseline of
// the same 1,000 requests made with bare undici (same body, same server): the ratio is the client's cost
// (unpaced: pacing is bench/pace.mjs). Target ≤ 1.25x. --quick: 300 sends. Ends with one JSON summary line.
import { request } from 'undici';
import { startSandboxServer, SEED } from '../dist/sandbox/index.js';
import { TikTokClient } from '../dist/tiktok/client.js';
import { networkTransport } from '../dist/http/network.js';
import { exchangeCode } from '../dist/tiktok/oauth.js';
import { sendMessage } from '../dist/tiktok/messaging-api.js';
import { MESSAGING_SCOPES, MESSAGES_PER_WINDOW } from '../dist/tiktok/limits.js';

const SENDS = Number(process.env.BENCH_SENDS ?? (process.argv.includes('--quick') ? 300 : 1000));
const TARGET = 1.25;
const server = await startSandboxServer({ port: 0 });
const control = async (path, body) => {
  const response = await request(`${server.controlUrl}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${path}: ${text}`);
  return JSON.parse(text);
};

try {
  await control('limits', { requests_per_minute: 10_000_000 });
  const redirectUri = 'http://127.0.0.1:1/callback/';
  const consent = await control('authorize', { client_key: server.clientKey, redirect_uri: redirectUri, scope: MESSAGING_SCOPES.join(','), state: 'bench' });
  const client = new TikTokClient({ baseUrl: server.apiBaseUrl, transport: networkTransport, pacer: false });
  const grant = await exchangeCode(client, { clientKey: server.clientKey, clientSecret: server.clientSecret }, consent.code, redirectUri);
  const businessId = grant.openId;

  // Each user message opens a fresh quota of 10, so a conversation takes 10 sends per user message.
  async function run(label, sendOne, count = SENDS) {
    let controlMs = 0;
    let sendMs = 0;
    for (let i = 0; i < count; i++) {
      if (i % MESSAGES_PER_WINDOW === 0) {
        const started = performance.now();
        await control('messages', { from_username: 'maya.lopez', text: `question ${i}` });
        controlMs += performance.now() - started;
      }
      const started = performance.now();
      await sendOne(i);
      sendMs += performance.now() - started;
    }
    if (!label) return sendMs;
    console.log(
      `${label.padEnd(26)} ${SENDS} sends in ${sendMs.toFixed(0)} ms  (${(sendMs / SENDS).toFixed(2)} ms/send, ${Math.round((SENDS / sendMs) * 1000)} sends/s; user messages ${controlMs.toFixed(0)} ms)`,
    );
    return sendMs;
  }

  const conversationId = SEED.conversations?.maya ?? 'mY3+hQ1/acMeMaYaL0pezQ==';
  const url = `${server.apiBaseUrl}business/message/send/`;
  const bare = async (i) => {
    const response = await request(url, {
      method: 'POST',
      headers: { 'access-token': grant.accessToken, 'content-type': 'application/json' },
      body: JSON.stringify({
        business_id: businessId,
        recipient_type: 'CONVERSATION',
        recipient: conversationId,
        message_type: 'TEXT',
        text: { body: `reply ${i}` },
      }),
    });
    const envelope = await response.body.json();
    if (envelope.code !== 0) throw new Error(`baseline send ${i}: ${envelope.code} ${envelope.message}`);
  };
  const ours = async (i) => {
    await sendMessage(client, grant.accessToken, businessId, conversationId, { kind: 'text', body: `reply ${i}` });
  };
  // Warm both paths (JIT, sockets, the sandbox's state) before timing, so neither side pays for it.
  await run('', bare, 200);
  await run('', ours, 200);
  // Interleaved in blocks of one window (10 sends), so both sides see the same sandbox state as it grows.
  let baseline = 0;
  let measured = 0;
  for (let done = 0; done < SENDS; done += MESSAGES_PER_WINDOW) {
    baseline += await run('', (i) => bare(done + i), MESSAGES_PER_WINDOW);
    measured += await run('', (i) => ours(done + i), MESSAGES_PER_WINDOW);
  }
  for (const [label, ms] of [
    ['baseline: bare undici', baseline],
    ['tiktok-channel client', measured],
  ]) {
    console.log(`${label.padEnd(26)} ${SENDS} sends in ${ms.toFixed(0)} ms  (${(ms / SENDS).toFixed(2)} ms/send, ${Math.round((SENDS / ms) * 1000)} sends/s)`);
  }
  const ratio = measured / baseline;
  console.log(`client / baseline: ${ratio.toFixed(2)}x (target ≤ ${TARGET}x)`);
  console.log(
    JSON.stringify({
      name: 'sends',
      ratio: Number(ratio.toFixed(3)),
      target: TARGET,
      ok: ratio <= TARGET,
      details: { sends: SENDS, baseline_ms: Math.round(baseline), client_ms: Math.round(measured) },
    }),
  );
  process.exitCode = ratio <= TARGET ? 0 : 1;
} finally {
  await server.close();
}
