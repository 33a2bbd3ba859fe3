// One `send` with a fresh token against a served sandbox answering every API call after `--latency` ms:
// it must make exactly two requests (the policy read, content/list, and the send: counted at the sandbox),
// and its wall time is held against the CLI's own start-up (`status`, offline, measured interleaved in the
// same run) + 2 × latency. Medians of 15 runs (--quick: 5). Target: ≤ 1.15x, exactly 2 requests every time.
import { median, quick, runCli, SEED, startWorld, summary } from './lib/world.mjs';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? (quick ? 5 : 15));
const WARMUP = 2;
const TARGET = 1.15;

const world = await startWorld({ latencyMs: LATENCY_MS });
try {
  const account = await world.connect();
  const configDir = await world.store(account);
  const env = world.env(configDir);
  const offline = (await runCli(['status', '--help'], env)).stdout.includes('--offline');
  const startupArgs = offline ? ['status', '--offline'] : ['status'];

  const startup = [];
  const sends = [];
  const requestCounts = [];
  const unexpected = [];
  for (let round = 0; round < WARMUP + RUNS; round++) {
    // Each user message opens a fresh quota of 10; one per send keeps the window open indefinitely.
    await world.must('POST', 'messages', { from_username: 'maya.lopez', text: `bench question ${round}` });
    const base = await runCli(startupArgs, env);
    if (base.code !== 0) throw new Error(`${startupArgs.join(' ')} exited ${base.code}: ${base.stderr}`);
    const before = new Set((await world.requests()).map((entry) => entry.request_id));
    const sent = await runCli(['send', '--to', SEED.conversations.maya, '--text', `bench reply ${round}`, '--json'], env);
    if (sent.code !== 0) throw new Error(`send exited ${sent.code}: ${sent.stderr}`);
    const made = (await world.requests()).filter((entry) => !before.has(entry.request_id));
    const paths = made.map((entry) => entry.path.replace(/^\/open_api\/v1\.3\//, ''));
    if (paths.join(' ') !== 'business/message/content/list/ business/message/send/') unexpected.push(paths);
    if (round < WARMUP) continue;
    startup.push(base.ms);
    sends.push(sent.ms);
    requestCounts.push(made.length);
  }
  const startupMs = median(startup);
  const sendMs = median(sends);
  const budgetMs = startupMs + 2 * LATENCY_MS;
  const ratio = sendMs / budgetMs;
  const exact = unexpected.length === 0;
  const ok = ratio <= TARGET && exact;

  console.log(`send: medians of ${RUNS} runs, sandbox latency ${LATENCY_MS} ms per API answer`);
  console.log(`  start-up (${startupArgs.join(' ')}) ${startupMs.toFixed(1)} ms; budget start-up + 2 × latency = ${budgetMs.toFixed(1)} ms`);
  console.log(`  send ${sendMs.toFixed(1)} ms: ${ratio.toFixed(3)}x (target ≤ ${TARGET}x)`);
  console.log(
    `  requests per send: ${[...new Set(requestCounts)].join(', ')} (target exactly 2: content/list + send)${exact ? '' : `; unexpected: ${JSON.stringify(unexpected)}`}`,
  );
  summary({
    name: 'send',
    ratio: Number(ratio.toFixed(3)),
    target: TARGET,
    ok,
    details: {
      latency_ms: LATENCY_MS,
      runs: RUNS,
      startup_ms: Number(startupMs.toFixed(1)),
      send_ms: Number(sendMs.toFixed(1)),
      budget_ms: Number(budgetMs.toFixed(1)),
      requests_per_send: [...new Set(requestCounts)],
      exact,
    },
  });
} finally {
  await world.close();
}
