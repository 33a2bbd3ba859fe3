// tail's intake under load, against the floor of what any receiver must do. In one run, the same signed
// deliveries (20,000 to each, over 50 connections; --quick: 2,000 for CI) go to:
//   - baseline: a bare node:http server that checks the same HMAC and appends each body to a file (no
//     fsync);
//   - tail: `tiktok-channel tail --json` (journal on, fsync'd before each 200; output to a file).
// The two take turns, a slice at a time, so a neighbour's CPU spike lands on both; each one's rate is
// its deliveries over its total time. Prints req/s of both and their ratio (target >= 0.8), events lost
// (target 0: every delivery printed once), and tail's peak RSS (target <= 100 MB, no V8 flag set). Exits
// non-zero past any target; the last line is one JSON object {name, ratio, target, ok, details}.
import { spawn } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const SECRET = 'bench-app-secret';
const BUSINESS_ID = '-000benchBusiness';

// --- The baseline server (run as a child: `node bench/tail.mjs --baseline-server FILE`) ---------------
if (process.argv[2] === '--baseline-server') {
  const file = process.argv[3];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const header = String(req.headers['tiktok-signature'] ?? '');
      const t = /t=(\d+)/.exec(header)?.[1];
      const s = /s=([0-9a-f]{64})/.exec(header)?.[1];
      const expected = t ? createHmac('sha256', SECRET).update(`${t}.`).update(body).digest() : undefined;
      if (!t || !s || !timingSafeEqual(Buffer.from(s, 'hex'), expected)) {
        res.writeHead(401).end();
        return;
      }
      await appendFile(file, Buffer.concat([body, Buffer.from('\n')]));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  process.on('SIGINT', () => server.close(() => process.exit(0)));
} else {
  await bench();
}

function delivery(index, tag) {
  const content = {
    from: 'maya.lopez',
    to: 'acme.studio',
    unique_identifier: '-000benchUser',
    from_user: { id: '-000benchUser', role: 'personal_account' },
    to_user: { id: BUSINESS_ID, role: 'business_account' },
    conversation_id: `conv-${index % 200}`,
    message_id: `${tag}-${index}`,
    timestamp: Date.now(),
    type: 'text',
    text: { body: `Is the blue mug in stock? (${tag} ${index})` },
    is_follower: true,
    message_tag: { source: 'APP' },
  };
  return JSON.stringify({
    client_key: 'awbench',
    event: 'im_receive_msg',
    create_time: Math.floor(Date.now() / 1000),
    user_openid: BUSINESS_ID,
    content: JSON.stringify(content),
  });
}

async function load(url, count, tag, connections) {
  const { Pool } = await import('undici');
  const pool = new Pool(new URL(url).origin, { connections, pipelining: 1 });
  const path = new URL(url).pathname;
  const bodies = Array.from({ length: count }, (_, index) => delivery(index, tag));
  let next = 0;
  const statuses = new Map();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < count) {
        const body = bodies[next++];
        const t = Math.floor(Date.now() / 1000);
        const signature = `t=${t},s=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`;
        const response = await pool.request({ method: 'POST', path, headers: { 'content-type': 'application/json', 'tiktok-signature': signature }, body });
        await response.body.dump();
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      }
    }),
  );
  const ms = performance.now() - started;
  await pool.close();
  return { rps: (count / ms) * 1000, ms, statuses: Object.fromEntries(statuses) };
}

function waitForLine(stream, pattern, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}: ${text}`)), timeoutMs);
    stream.on('data', (chunk) => {
      text += chunk;
      const match = text.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
}

function exited(child) {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

/**
 * The disk's fdatasync latency right now (median of a short burst of appends, ms). Every 200 of tail waits
 * for one, the baseline's never does: on a disk busy with other writers this, not tail's work per
 * delivery, bounds the ratio, and the figure says so next to it.
 */
function syncLatencyMs(dir) {
  const file = join(dir, 'sync-probe');
  const fd = openSync(file, 'a');
  const times = [];
  const line = Buffer.alloc(16 * 1024, 'x');
  const until = performance.now() + 500;
  try {
    while (performance.now() < until && times.length < 200) {
      writeSync(fd, line);
      const started = performance.now();
      fdatasyncSync(fd);
      times.push(performance.now() - started);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function peakRssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

async function bench() {
  const quick = process.argv.includes('--quick');
  const count = quick ? 2_000 : 20_000;
  const warmup = quick ? 300 : 1_000;
  const slices = quick ? 2 : 4;
  const connections = 50;
  const work = mkdtempSync(join(tmpdir(), 'ttc-bench-tail-'));
  const configDir = join(work, 'config');
  const { AccountStore } = await import(join(ROOT, 'dist/store/accounts.js'));
  const now = Date.now();
  await new AccountStore({ configDir }).upsert(
    {
      businessId: BUSINESS_ID,
      channelName: 'bench',
      username: 'acme.studio',
      scopes: [],
      accessToken: 'unused',
      accessTokenExpiresAt: now + 86_400_000,
      refreshToken: 'unused',
      refreshTokenExpiresAt: now + 86_400_000,
      clientKey: 'awbench',
      clientSecret: SECRET,
      connectedAt: now,
      updatedAt: now,
    },
    { makeDefault: true },
  );

  // tail: journal on, JSON Lines to a file.
  const outFile = join(work, 'tail.jsonl');
  const out = openSync(outFile, 'w');
  const env = { ...process.env, TIKTOK_CHANNEL_CONFIG_DIR: configDir, CI: 'true' };
  for (const key of Object.keys(env)) if (key.startsWith('TIKTOK_CHANNEL_') && key !== 'TIKTOK_CHANNEL_CONFIG_DIR') delete env[key];
  // The RSS target holds with Node's defaults: no V8 flag from the environment either.
  delete env.NODE_OPTIONS;
  const tail = spawn(process.execPath, [join(ROOT, 'bin/tiktok-channel.js'), 'tail', '--port', '0', '--json'], { env, stdio: ['ignore', out, 'pipe'] });
  let tailErr = '';
  tail.stderr.on('data', (chunk) => (tailErr += chunk));
  const tailUrl = (await waitForLine(tail.stderr, /Listening on (http:\S+)/))[1];

  // baseline: the same check and an append, nothing else.
  const baselineFile = join(work, 'baseline.jsonl');
  const baseline = spawn(process.execPath, [import.meta.filename, '--baseline-server', baselineFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const baselinePort = (await waitForLine(baseline.stdout, /(\d+)\n/))[1];
  const baselineUrl = `http://127.0.0.1:${baselinePort}/webhook`;

  const results = { baseline: [], tail: [] };
  const syncMs = [syncLatencyMs(work)];
  const failures = {};
  const perSlice = count / slices;
  try {
    await load(baselineUrl, warmup, 'warm-b', connections);
    await load(tailUrl, warmup, 'warm-t', connections);
    for (let slice = 0; slice < slices; slice++) {
      const b = await load(baselineUrl, perSlice, `b${slice}`, connections);
      const t = await load(tailUrl, perSlice, `t${slice}`, connections);
      results.baseline.push(b);
      results.tail.push(t);
      console.log(`slice ${slice + 1}/${slices}: baseline ${b.rps.toFixed(0)} req/s, tail ${t.rps.toFixed(0)} req/s (statuses ${JSON.stringify(t.statuses)})`);
      for (const [status, n] of Object.entries(t.statuses)) if (status !== '200') failures[status] = (failures[status] ?? 0) + n;
    }
    syncMs.push(syncLatencyMs(work));
  } finally {
    console.log(`baseline server peak RSS ${peakRssMb(baseline.pid)?.toFixed(1)} MB`);
    baseline.kill('SIGINT');
    await exited(baseline);
  }
  const rss = peakRssMb(tail.pid);
  tail.kill('SIGINT');
  const tailExit = await exited(tail);
  closeSync(out);

  // Every measured delivery printed exactly once (message ids t<slice>-<index>).
  const printed = new Map();
  for (const line of readFileSync(outFile, 'utf8').split('\n')) {
    if (!line) continue;
    const id = JSON.parse(line).message_id;
    printed.set(id, (printed.get(id) ?? 0) + 1);
  }
  let lost = 0;
  let twice = 0;
  for (let slice = 0; slice < slices; slice++) {
    for (let index = 0; index < perSlice; index++) {
      const times = printed.get(`t${slice}-${index}`) ?? 0;
      if (times === 0) lost++;
      if (times > 1) twice++;
    }
  }
  // Every delivery counts: the rate over all slices, not the best slice.
  const rate = (list) => (list.length * perSlice * 1000) / list.reduce((sum, result) => sum + result.ms, 0);
  const baselineRps = rate(results.baseline);
  const tailRps = rate(results.tail);
  const ratio = tailRps / baselineRps;
  const target = 0.8;
  const ok = ratio >= target && lost === 0 && twice === 0 && Object.keys(failures).length === 0 && (rss === null || rss <= 100) && tailExit === 130;
  console.log(`baseline (HMAC + append):  ${baselineRps.toFixed(0)} req/s`);
  console.log(`tail (journal + fsync):    ${tailRps.toFixed(0)} req/s`);
  console.log(
    `ratio ${ratio.toFixed(2)} (target >= ${target}); events lost ${lost} of ${count}; printed twice ${twice}; peak RSS ${rss === null ? 'unknown' : `${rss.toFixed(1)} MB`} (target <= 100 MB)`,
  );
  console.log(`fdatasync on this disk, median before and after: ${syncMs.map((ms) => ms.toFixed(2)).join(' / ')} ms (every 200 of tail waits for one)`);
  if (!ok) console.log(`tail stderr:\n${tailErr.split('\n').slice(-5).join('\n')}`);
  rmSync(work, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      name: 'tail',
      ratio: Number(ratio.toFixed(3)),
      target,
      // Throughput against the baseline: higher is better (the other benches time things: lower is better).
      better: 'higher',
      ok,
      details: {
        deliveries: count,
        connections,
        baseline_rps: Math.round(baselineRps),
        tail_rps: Math.round(tailRps),
        lost,
        printed_twice: twice,
        non_200: failures,
        peak_rss_mb: rss === null ? null : Number(rss.toFixed(1)),
        fdatasync_median_ms: syncMs.map((ms) => Number(ms.toFixed(2))),
        tail_exit: tailExit,
        quick,
      },
    }),
  );
  process.exit(ok ? 0 : 1);
}
