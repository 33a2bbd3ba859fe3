// `tiktok-channel/webhooks` in a real Cloudflare Worker: `npm pack`'s tarball unpacked into a project's
// node_modules, README's Worker example and a reporting Worker (test/fixtures/webhook-worker.mjs) bundled
// with esbuild as Wrangler does (platform neutral, conditions workerd and worker: the package's edge
// build, with no `node:` import), then run by workerd itself through miniflare, no nodejs_compat flag.
// A delivery signed as TikTok signs is accepted, a tampered or unsigned one refused with 401, and a
// 19-digit comment id arrives as the exact string, the same event the Node build decodes.
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { build, type Metafile } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { constructEvent } from '../../src/library/webhooks.js';

const SECRET = 'workerd-secret';
const COMPATIBILITY_DATE = '2026-04-01';
// The workerd runtime reports itself so: proof the Worker did not run in node.
const WORKERD_USER_AGENT = 'Cloudflare-Workers';

/** README's "## Library" code block that is a Worker (the one with `async fetch(request, env)`). */
function readmeWorker(): string {
  const section =
    readFileSync(join(ROOT, 'README.md'), 'utf8')
      .split(/^## Library$/m)[1]
      ?.split(/^## /m)[0] ?? '';
  const blocks = [...section.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((match) => match[1]!).filter((code) => code.includes('async fetch(request, env)'));
  expect(blocks).toHaveLength(1);
  return blocks[0]!;
}

/** Signed as TikTok signs: hex HMAC-SHA256 of `${t}.${rawBody}` with the app's client secret. */
function signatureHeader(body: string, t = Math.floor(Date.now() / 1000), secret = SECRET): string {
  return `t=${t},s=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

function delivery(event: string, content: string): string {
  const createTime = Math.floor(Date.now() / 1000);
  return `{"client_key":"awclient","event":"${event}","create_time":${createTime},"user_openid":"-000biz","log_id":7247303576418566999,"content":${JSON.stringify(content)}}`;
}

const COMMENT_ID = '7247303576418566913';
const COMMENT_BODY = delivery(
  'im_receive_high_intent_comment',
  `{"comment_id":${COMMENT_ID},"video_id":7247303576418566001,"from_user":{"id":"u1","role":"personal_account"},"to_user":{"id":"-000biz","role":"business_account"},"text":{"body":"Is it in stock?"},"timestamp":1732459200}`,
);
const MESSAGE_BODY = delivery(
  'im_receive_msg',
  '{"conversation_id":"c-workerd","message_id":7247303576418566914,"type":"text","text":{"body":"hi from workerd"},"from_user":{"id":"u1","role":"personal_account"},"to_user":{"id":"-000biz","role":"business_account"},"timestamp":1732459200000}',
);

interface Bundle {
  code: string;
  inputs: string[];
  imports: Metafile['outputs'][string]['imports'];
}

/** Bundles `entry` (in `project`) into one ES module, resolving packages with the given platform and conditions. */
async function bundle(project: string, entry: string, platform: 'neutral' | 'node', conditions: string[]): Promise<Bundle> {
  const result = await build({
    absWorkingDir: project,
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform,
    conditions,
    write: false,
    metafile: true,
    outfile: 'out.js',
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs), imports: output!.imports };
}

let packedFiles: string[];
let project: string;
let readme: Bundle;
let probe: Bundle;
let mf: Miniflare | undefined;
let runtimeStdout = '';

beforeAll(async () => {
  const work = mkdtempSync(join(tmpdir(), 'ttc-workerd-'));
  // --ignore-scripts: `npm test` has just built dist/ (prepack would rebuild it under the other tests' feet).
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }));
  packedFiles = packed[0].files.map((file: { path: string }) => file.path);
  const tarball = join(work, readdirSync(work).find((name) => name.endsWith('.tgz'))!);
  project = join(work, 'worker');
  const installed = join(project, 'node_modules/tiktok-channel');
  mkdirSync(installed, { recursive: true });
  // The package as npm lays it out: the tarball's package/ folder is node_modules/tiktok-channel.
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'worker', version: '1.0.0', private: true, type: 'module' }));
  writeFileSync(join(project, 'readme-worker.mjs'), readmeWorker());
  copyFileSync(join(ROOT, 'test/fixtures/webhook-worker.mjs'), join(project, 'probe-worker.mjs'));

  // What Wrangler does for a Worker: platform neutral, the workerd and worker conditions.
  readme = await bundle(project, 'readme-worker.mjs', 'neutral', ['workerd', 'worker']);
  probe = await bundle(project, 'probe-worker.mjs', 'neutral', ['workerd', 'worker']);

  const bindings = { TIKTOK_CHANNEL_CLIENT_SECRET: SECRET };
  mf = new Miniflare({
    workers: [
      { name: 'readme', routes: ['readme.example/*'], modules: true, script: readme.code, compatibilityDate: COMPATIBILITY_DATE, bindings },
      { name: 'probe', routes: ['probe.example/*'], modules: true, script: probe.code, compatibilityDate: COMPATIBILITY_DATE, bindings },
    ],
    // The README Worker's console.log reaches workerd's stdout.
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on('data', (chunk: Buffer) => (runtimeStdout += chunk.toString('utf8')));
      stderr.resume();
    },
  });
  await mf.ready;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
});

async function post(worker: 'readme' | 'probe', body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const response = await mf!.dispatchFetch(`https://${worker}.example/tiktok`, { method: 'POST', headers, body });
  return { status: response.status, text: await response.text() };
}

/** Resolves once workerd's stdout holds `line` (console.log is written after the response is sent). */
async function runtimeLogged(line: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!runtimeStdout.includes(line)) {
    if (Date.now() > deadline) throw new Error(`workerd did not log ${JSON.stringify(line)}; it logged: ${runtimeStdout}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('tiktok-channel/webhooks from the packed tarball, in workerd', () => {
  it('bundles through the workerd condition to the edge build: no node: module anywhere in the Worker', async () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['dist/library/webhooks-edge.js', 'dist/library/webhooks-edge.d.ts']));
    for (const worker of [readme, probe]) {
      expect(worker.inputs).toContain('node_modules/tiktok-channel/dist/library/webhooks-edge.js');
      expect(worker.inputs.filter((input) => input.endsWith('/dist/library/webhooks.js'))).toEqual([]);
      expect(worker.inputs.filter((input) => input.startsWith('node:'))).toEqual([]);
      expect(worker.imports).toEqual([]); // nothing left for the runtime to resolve
      expect(worker.code).not.toMatch(/["']node:/);
    }
    // The control: the same Worker resolved as node resolves it gets the Node build, which needs node:crypto.
    const asNode = await bundle(project, 'probe-worker.mjs', 'node', []);
    expect(asNode.inputs).toContain('node_modules/tiktok-channel/dist/library/webhooks.js');
    expect(asNode.imports.map((entry) => entry.path)).toContain('node:crypto');
  });

  it("README's Worker: a genuine delivery is accepted and logged, a tampered or unsigned one gets 401", async () => {
    const header = signatureHeader(MESSAGE_BODY);
    expect(await post('readme', MESSAGE_BODY, { 'Tiktok-Signature': header })).toEqual({ status: 200, text: '' });
    await runtimeLogged('message c-workerd hi from workerd');
    expect(await post('readme', MESSAGE_BODY.replace('hi from', 'yo from'), { 'Tiktok-Signature': header })).toEqual({ status: 401, text: 'mismatch' });
    expect(await post('readme', MESSAGE_BODY, {})).toEqual({ status: 401, text: 'missing' });
    expect(await post('readme', MESSAGE_BODY, { 'Tiktok-Signature': signatureHeader(MESSAGE_BODY, Math.floor(Date.now() / 1000) - 3600) })).toEqual({
      status: 401,
      text: 'stale',
    });
    expect(runtimeStdout).not.toContain('yo from workerd');
  });

  it('verifies with Web Crypto and decodes the event the Node build decodes, the 19-digit comment id an exact string', async () => {
    const header = signatureHeader(COMMENT_BODY);
    const genuine = await post('probe', COMMENT_BODY, { 'Tiktok-Signature': header });
    expect(genuine.status).toBe(200);
    // Exact in the bytes the Worker sent back, not only after the test's own JSON.parse.
    expect(genuine.text).toContain(`"id":"${COMMENT_ID}"`);
    const report = JSON.parse(genuine.text);
    expect(report.runtime).toBe(WORKERD_USER_AGENT);
    // The edge build: the async API only (the synchronous pair needs node:crypto).
    expect(report.exports).toEqual([
      'WebhookSignatureError',
      'checkSignatureAsync',
      'constructEventAsync',
      'decodeEvent',
      'eventDedupeKey',
      'parseSignatureHeader',
      'verifySignatureAsync',
    ]);
    expect(report.verified).toBe(true);
    expect(report.event).toMatchObject({
      kind: 'high_intent_comment',
      comment: { id: COMMENT_ID, text: 'Is it in stock?' },
      raw: { log_id: '7247303576418566999' },
    });
    const nodeEvent = constructEvent({ rawBody: COMMENT_BODY, header, secret: SECRET });
    expect(report.event).toEqual(JSON.parse(JSON.stringify(nodeEvent)));

    const tampered = await post('probe', COMMENT_BODY.replace('in stock', 'in stack'), { 'Tiktok-Signature': header });
    expect(tampered.status).toBe(401);
    expect(JSON.parse(tampered.text)).toEqual({
      runtime: WORKERD_USER_AGENT,
      exports: report.exports,
      verified: false,
      refusal: { name: 'WebhookSignatureError', reason: 'mismatch', isWebhookSignatureError: true },
    });
    const wrongSecret = await post('probe', COMMENT_BODY, { 'Tiktok-Signature': signatureHeader(COMMENT_BODY, undefined, 'not-the-secret') });
    expect(wrongSecret.status).toBe(401);
    expect(JSON.parse(wrongSecret.text)).toMatchObject({ verified: false, refusal: { reason: 'mismatch', isWebhookSignatureError: true } });
  });
});
