// `doctor` against `sandbox serve --latency 200`: its wall time against start-up + 3 × latency, both
// measured in this run. Start-up is doctor's own fixed cost (the same run against a second sandbox
// with no latency: process start, module loading, every request's CPU); what the latency adds on top
// counts the rounds of requests. Doctor makes about a dozen requests: only if they really overlap (two
// rounds, not twelve in a row) does it stay under the target. The ratio against the bare CLI start-up
// (--version) is printed too. Exits 1 past the target ratio.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { request } from 'undici';

const bin = fileURLToPath(new URL('../bin/tiktok-channel.js', import.meta.url));
const latency = Number(process.env.BENCH_LATENCY_MS ?? 200);
const runs = Number(process.env.BENCH_RUNS ?? (process.argv.includes('--quick') ? 4 : 7));
const target = Number(process.env.BENCH_TARGET ?? 1.0);
const configDir = mkdtempSync(join(tmpdir(), 'ttc-bench-doctor-'));
const baseEnv = { ...process.env, CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: configDir, NO_COLOR: '1' };
for (const key of Object.keys(baseEnv)) if (key.startsWith('TIKTOK_CHANNEL_') && key !== 'TIKTOK_CHANNEL_CONFIG_DIR') delete baseEnv[key];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timeCli(args, env, expectCode = 0) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== expectCode) throw new Error(`${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return { ms, stdout: result.stdout };
}

async function serveSandbox(latencyMs) {
  const child = spawn(process.execPath, [bin, 'sandbox', 'serve', '--latency', String(latencyMs), '--json'], {
    env: baseEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const info = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', (code) => reject(new Error(`sandbox serve exited ${code}`)));
  });
  return { child, info };
}

async function post(url, body) {
  const response = await request(url, { method: 'POST', reset: true, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await response.body.json();
  if (response.statusCode >= 300) throw new Error(`${url}: ${JSON.stringify(json)}`);
  return json;
}

/** A consented account through the sandbox's control API and TikTok's token exchange (set-up, not timed). */
async function envFor(info) {
  const redirectUri = 'http://127.0.0.1:8723/callback/';
  const scope =
    'user.info.basic,user.info.username,user.info.stats,user.info.profile,user.account.type,user.insights,message.list.read,message.list.send,message.list.manage';
  const { code } = await post(`${info.controlUrl}/authorize`, { client_key: info.clientKey, redirect_uri: redirectUri, scope, state: 'bench' });
  const exchange = await post(`${info.apiBaseUrl}tt_user/oauth2/token/`, {
    client_id: info.clientKey,
    client_secret: info.clientSecret,
    grant_type: 'authorization_code',
    auth_code: code,
    redirect_uri: redirectUri,
  });
  if (exchange.code !== 0) throw new Error(`token exchange: ${JSON.stringify(exchange)}`);
  return {
    ...baseEnv,
    TIKTOK_CHANNEL_API_BASE_URL: info.apiBaseUrl,
    TIKTOK_CHANNEL_ACCESS_TOKEN: exchange.data.access_token,
    TIKTOK_CHANNEL_BUSINESS_ID: exchange.data.open_id,
    TIKTOK_CHANNEL_CLIENT_KEY: info.clientKey,
    TIKTOK_CHANNEL_CLIENT_SECRET: info.clientSecret,
  };
}

const slow = await serveSandbox(latency);
const instant = await serveSandbox(0);
try {
  const slowEnv = await envFor(slow.info);
  const instantEnv = await envFor(instant.info);
  // Warm the file cache, then interleave so machine noise hits every side alike.
  timeCli(['--version'], baseEnv);
  timeCli(['doctor', '--json'], instantEnv);
  const report = JSON.parse(timeCli(['doctor', '--json'], slowEnv).stdout);
  const samples = { version: [], instant: [], slow: [] };
  for (let i = 0; i < runs; i++) {
    samples.version.push(timeCli(['--version'], baseEnv).ms);
    samples.instant.push(timeCli(['doctor', '--json'], instantEnv).ms);
    samples.slow.push(timeCli(['doctor', '--json'], slowEnv).ms);
  }
  const version = median(samples.version);
  const startup = median(samples.instant);
  const wall = median(samples.slow);
  const budget = startup + 3 * latency;
  const ratio = wall / budget;
  // reset: the keep-alive socket of the set-up calls may have been closed by the server meanwhile.
  const requests =
    (await (await request(`${slow.info.controlUrl}/state`, { reset: true })).body.json()).requests.filter((entry) => entry.path.startsWith('/open_api/'))
      .length /
    (runs + 1);
  console.log(
    `doctor: ${report.summary.checks} checks, ${requests.toFixed(0)} API requests per run, sandbox latency ${latency} ms per request (medians of ${runs})`,
  );
  console.log(`CLI start-up (--version)            ${version.toFixed(0)} ms`);
  console.log(`doctor start-up (latency 0)         ${startup.toFixed(0)} ms   (start-up, module loading, every request's CPU)`);
  console.log(
    `doctor at ${String(latency).padEnd(3)} ms latency            ${wall.toFixed(0)} ms   (${((wall - startup) / latency).toFixed(1)} × latency on top: rounds of requests)`,
  );
  console.log(`budget: start-up + 3 × latency      ${budget.toFixed(0)} ms`);
  const over = ratio > target;
  console.log(
    `doctor / budget: ${ratio.toFixed(2)}x${over ? `  ABOVE TARGET ${target}x` : ''}   (against --version start-up instead: ${(wall / (version + 3 * latency)).toFixed(2)}x)`,
  );
  // The summary line bench/run.mjs tabulates.
  console.log(
    JSON.stringify({
      name: 'doctor',
      ratio: Number(ratio.toFixed(3)),
      target,
      ok: !over,
      details: {
        latency_ms: latency,
        runs,
        requests: Math.round(requests),
        startup_ms: Math.round(startup),
        wall_ms: Math.round(wall),
        budget_ms: Math.round(budget),
      },
    }),
  );
  process.exitCode = over ? 1 : 0;
} finally {
  slow.child.kill('SIGINT');
  instant.child.kill('SIGINT');
  rmSync(configDir, { recursive: true, force: true });
}
