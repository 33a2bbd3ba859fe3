// The three library entries (package.json `exports`) load only what they need: never the CLI, commander,
// prompts, chalk or the config store. Each import runs in a fresh node process with a loader hook that
// records every ES module loaded, plus require.cache for CommonJS ones.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, ROOT } from '../helpers/cli.js';

const RECORDER = join(ROOT, 'test/fixtures/module-recorder.mjs');
const FORBIDDEN = [
  /\/node_modules\/commander\//,
  /\/node_modules\/chalk\//,
  /\/node_modules\/@inquirer\//,
  /\/node_modules\/qrcode(-terminal)?\//,
  /\/node_modules\/open\//,
  /\/node_modules\/conf\//,
  /\/node_modules\/proper-lockfile\//,
  /\/dist\/cli\.js$/,
  /\/dist\/run\//,
  /\/dist\/help\.js$/,
  /\/dist\/deps\.js$/,
  /\/dist\/commands\//,
  /\/dist\/io\//,
  /\/dist\/store\//,
];

/** Runs an ES module body in a child (cwd = the package, so `tiktok-channel/…` resolves to itself). */
function loadedBy(body: string): string[] {
  const log = join(mkdtempSync(join(tmpdir(), 'ttc-modules-')), 'modules.log');
  const script = `
import { createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
${body}
appendFileSync(process.env.MODULE_LOG, Object.keys(createRequire(import.meta.url).cache).join('\\n') + '\\n');
`;
  const child = spawnSync(process.execPath, ['--import', RECORDER, '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: cleanEnv({ MODULE_LOG: log }),
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(child.status, child.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

function forbiddenIn(modules: string[]): string[] {
  return modules.filter((url) => FORBIDDEN.some((pattern) => pattern.test(url)));
}

describe('library entries', () => {
  for (const [entry, file] of [
    ['tiktok-channel', 'dist/library/index.js'],
    ['tiktok-channel/sandbox', 'dist/library/sandbox.js'],
    ['tiktok-channel/webhooks', 'dist/library/webhooks.js'],
  ]) {
    it(`importing ${entry} loads its own files and nothing of the CLI`, () => {
      const modules = loadedBy(`await import('${entry}');`);
      expect(modules.some((url) => url.endsWith(file))).toBe(true);
      expect(forbiddenIn(modules)).toEqual([]);
      // Nothing over the network is loaded before it is used.
      expect(modules.filter((url) => url.includes('/node_modules/'))).toEqual([]);
    });
  }

  it('a whole session (sandbox, client, send, webhook check) still loads none of the CLI', () => {
    const modules = loadedBy(`
const { startSandbox } = await import('tiktok-channel/sandbox');
const { createClient } = await import('tiktok-channel');
const { decodeEvent, verifySignature } = await import('tiktok-channel/webhooks');
const sandbox = await startSandbox();
const client = createClient({ accessToken: await sandbox.accessToken(), businessId: sandbox.businessId, apiBaseUrl: sandbox.apiBaseUrl });
const { conversation_id } = await sandbox.message({ text: 'hello' });
await client.send({ conversationId: conversation_id, text: 'hi' });
verifySignature({ rawBody: '{}', header: 't=1,s=00', secret: 'x' });
decodeEvent('{}');
await sandbox.close();
`);
    expect(forbiddenIn(modules)).toEqual([]);
    // The recorder sees CommonJS too: undici (the network transport) is loaded by the first call.
    expect(modules.some((path) => path.includes('/node_modules/undici/'))).toBe(true);
    expect(modules.some((url) => url.endsWith('dist/sandbox/server.js'))).toBe(true);
  });

  it('package.json exports each entry with its types, and ./package.json', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.exports)).toEqual(['.', './sandbox', './webhooks', './package.json']);
    for (const key of ['.', './sandbox', './webhooks']) {
      const target = manifest.exports[key];
      // The runtime conditions come first (the first match wins, for TypeScript too), then types, then default.
      expect(Object.keys(target).slice(-2)).toEqual(['types', 'default']);
      expect(readFileSync(join(ROOT, target.types), 'utf8')).toMatch(/export /);
    }
    const webhooks = manifest.exports['./webhooks'];
    expect(Object.keys(webhooks)).toEqual(['workerd', 'worker', 'edge-light', 'deno', 'browser', 'bun', 'types', 'default']);
    for (const condition of ['workerd', 'worker', 'edge-light', 'deno', 'browser', 'bun']) {
      expect(webhooks[condition]).toEqual({ types: './dist/library/webhooks-edge.d.ts', default: './dist/library/webhooks-edge.js' });
    }
    expect(
      loadedBy(`const m = await import('tiktok-channel/package.json', { with: { type: 'json' } }); if (m.default.name !== 'tiktok-channel') process.exit(3);`)
        .length,
    ).toBeGreaterThan(0);
  });
});
