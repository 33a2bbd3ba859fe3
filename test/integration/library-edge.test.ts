// The edge build of `tiktok-channel/webhooks` (package.json's workerd, worker, edge-light, deno,
// browser and bun conditions): resolved by those conditions, made of modules that import no `node:`
// module (checked on the built files and on what a process actually loads), verifying with Web Crypto
// and decoding to exactly the event the Node build gives, 19-digit ids included. Run in node with
// `--conditions`; a real workerd runtime is not part of this test.
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT } from '../helpers/cli.js';
import { checkSignature, constructEvent, constructEventAsync, verifySignatureAsync, WebhookSignatureError } from '../../src/library/webhooks.js';

const SECRET = 'edge-secret';
const T = 1_732_459_200;
const BODY =
  '{"client_key":"awclient","event":"im_receive_high_intent_comment","create_time":1732459200,"user_openid":"-000biz","log_id":7247303576418566999,' +
  '"content":"{\\"comment_id\\":7247303576418566913,\\"video_id\\":7247303576418566001,\\"from_user\\":{\\"id\\":\\"u1\\",\\"role\\":\\"personal_account\\"},' +
  '\\"to_user\\":{\\"id\\":\\"-000biz\\",\\"role\\":\\"business_account\\"},\\"text\\":{\\"body\\":\\"Is it in stock?\\"},\\"timestamp\\":1732459200}"}';
const HEADER = `t=${T},s=${createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex')}`;
const CONDITIONS = ['workerd', 'worker', 'edge-light', 'deno', 'browser', 'bun'];

/** Every module the built file imports, transitively (relative specifiers), and every bare/builtin one. */
function importGraph(entry: string): { files: string[]; external: string[] } {
  const files = new Set<string>();
  const external = new Set<string>();
  const pending = [entry];
  while (pending.length) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier));
      else external.add(specifier);
    }
  }
  return { files: [...files], external: [...external] };
}

/** Runs a module body in node with a condition, recording every module loaded (no node: import of its own). */
function runWith(condition: string | null, body: string): { result: Record<string, unknown>; modules: string[] } {
  const log = join(mkdtempSync(join(tmpdir(), 'ttc-edge-')), 'modules.log');
  const args = [
    ...(condition ? ['--conditions', condition] : []),
    '--import',
    join(ROOT, 'test/fixtures/module-recorder.mjs'),
    '--input-type=module',
    '-e',
    body,
  ];
  const child = spawnSync(process.execPath, args, { cwd: ROOT, env: cleanEnv({ MODULE_LOG: log, BODY, HEADER, SECRET }), encoding: 'utf8', timeout: 20_000 });
  expect(child.status, child.stderr).toBe(0);
  return { result: JSON.parse(child.stdout) as Record<string, unknown>, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const EDGE_SCRIPT = `
const webhooks = await import('tiktok-channel/webhooks');
const { BODY, HEADER, SECRET } = process.env;
const now = () => 1732459200000;
const genuine = await webhooks.verifySignatureAsync({ rawBody: new TextEncoder().encode(BODY), header: HEADER, secret: SECRET, now });
const tampered = await webhooks.verifySignatureAsync({ rawBody: BODY.replace('stock', 'stack'), header: HEADER, secret: SECRET, now });
const event = await webhooks.constructEventAsync({ rawBody: BODY, header: HEADER, secret: SECRET, now });
const refusal = await webhooks.constructEventAsync({ rawBody: BODY, header: HEADER, secret: 'other', now }).catch((error) => ({ name: error.name, reason: error.reason, isClass: error instanceof webhooks.WebhookSignatureError }));
const stale = await webhooks.checkSignatureAsync({ rawBody: BODY, header: HEADER, secret: SECRET, now: () => 1732459200000 + 3600000 });
console.log(JSON.stringify({ exports: Object.keys(webhooks).sort(), genuine, tampered, event, refusal, stale }));
`;

describe('tiktok-channel/webhooks at the edge', () => {
  it('the edge build imports no node: module, directly or through the decoder', () => {
    const graph = importGraph(join(ROOT, 'dist/library/webhooks-edge.js'));
    expect(graph.files.map((file) => file.slice(ROOT.length + 1)).sort()).toEqual(
      [
        'dist/library/webhooks-edge.js',
        'dist/tiktok/event-content.js',
        'dist/tiktok/event-fields.js',
        'dist/tiktok/events.js',
        'dist/tiktok/json.js',
        'dist/tiktok/limits.js',
        'dist/tiktok/removal-reasons.js',
        'dist/tiktok/sha256.js',
        'dist/tiktok/signature-core.js',
        'dist/tiktok/signature-web.js',
      ].sort(),
    );
    expect(graph.external).toEqual([]);
    // The walker does see node: imports: the Node build has one.
    expect(importGraph(join(ROOT, 'dist/library/webhooks.js')).external).toContain('node:crypto');
  });

  for (const condition of CONDITIONS) {
    it(`--conditions ${condition}: resolves to the edge build, loads no node: module, verifies with Web Crypto, ids exact`, () => {
      const { result, modules } = runWith(condition, EDGE_SCRIPT);
      expect(modules.some((url) => url.endsWith('/dist/library/webhooks-edge.js'))).toBe(true);
      expect(modules.filter((url) => url.startsWith('node:'))).toEqual([]);
      // No synchronous pair there: it needs node:crypto.
      expect(result.exports).toEqual([
        'WebhookSignatureError',
        'checkSignatureAsync',
        'constructEventAsync',
        'decodeEvent',
        'eventDedupeKey',
        'parseSignatureHeader',
        'verifySignatureAsync',
      ]);
      expect(result).toMatchObject({
        genuine: true,
        tampered: false,
        refusal: { name: 'WebhookSignatureError', reason: 'mismatch', isClass: true },
        stale: { ok: false, reason: 'stale' },
      });
      // The same decoded event as the Node build's constructEvent, 19-digit ids as exact strings.
      const nodeEvent = constructEvent({ rawBody: BODY, header: HEADER, secret: SECRET, now: () => T * 1000 });
      expect(result.event).toEqual(JSON.parse(JSON.stringify(nodeEvent)));
      expect(result.event).toMatchObject({ comment: { id: '7247303576418566913', text: 'Is it in stock?' }, raw: { log_id: '7247303576418566999' } });
    });
  }

  it('without a condition node gets the Node build (it loads node:crypto), which has the async pair too', async () => {
    const { result, modules } = runWith(null, EDGE_SCRIPT);
    expect(modules.some((url) => url.endsWith('/dist/library/webhooks.js'))).toBe(true);
    // The recorder sees builtins: this is the positive control for the edge runs above.
    expect(modules).toContain('node:crypto');
    expect(result.exports).toEqual(
      expect.arrayContaining(['verifySignature', 'checkSignature', 'constructEvent', 'signPayload', 'verifySignatureAsync', 'constructEventAsync']),
    );
    expect(result).toMatchObject({ genuine: true, tampered: false });
    // In process: the async pair agrees with the sync one.
    expect(await verifySignatureAsync({ rawBody: BODY, header: HEADER, secret: SECRET, now: () => T * 1000 })).toBe(true);
    expect(await verifySignatureAsync({ rawBody: BODY, header: HEADER, secret: SECRET, toleranceSeconds: Number.NaN, now: () => T * 1000 })).toBe(false);
    await expect(constructEventAsync({ rawBody: BODY, header: HEADER, secret: 'x', now: () => T * 1000 })).rejects.toBeInstanceOf(WebhookSignatureError);
    expect(checkSignature({ rawBody: BODY, header: HEADER, secret: SECRET, now: () => T * 1000 }).ok).toBe(true);
  });
});
