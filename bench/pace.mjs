// Pacing at TikTok's rate limit: `conversations --json` over 200 conversations in a served sandbox that
// rate-limits at 10 requests per second per account (40100 past it, like TikTok), with the CLI at its
// default TIKTOK_CHANNEL_MAX_RPS (10). Wall time against the floor in the same run (requests ÷ 10 s),
// target ≤ 1.15x, and 0 answers 40100. The sliding-window maximum is counted from the sandbox's request log.
// --quick: 100 conversations.
import { maxInWindow, quick, runCli, startWorld, summary } from './lib/world.mjs';

const RPS = 10;
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? (quick ? 100 : 200));
const TARGET = 1.15;

const world = await startWorld({ rps: RPS });
try {
  // The per-minute app budget is not what this measures; the per-second one is (when the sandbox has it).
  await world.must('POST', 'limits', { requests_per_minute: 1_000_000 });
  const perSecond = await world.control('POST', 'limits', { requests_per_second: RPS });
  const sandboxLimits = perSecond.status === 200;
  const account = await world.connect();
  const configDir = await world.store(account);
  for (let i = 0; i < CONVERSATIONS; i++) await world.must('POST', 'messages', { from_username: `pace.shopper${i}`, text: `Question ${i}` });

  const before = new Set((await world.requests()).map((entry) => entry.request_id));
  const result = await world.watch(() => runCli(['conversations', '--json'], world.env(configDir)));
  if (result.code !== 0) throw new Error(`conversations exited ${result.code}: ${result.stderr}`);
  const listed = JSON.parse(result.stdout).conversations.length;
  const requests = (await world.requests()).filter((entry) => !before.has(entry.request_id));
  const refused = requests.filter((entry) => entry.code === 40100).length;
  const floorMs = (requests.length / RPS) * 1000;
  const ratio = result.ms / floorMs;
  const busiest = maxInWindow(requests.map((entry) => entry.at));
  const ok = ratio <= TARGET && refused === 0 && busiest <= 12;

  console.log(`pace: conversations --json over ${listed} conversations, ${requests.length} requests, sandbox limit ${RPS}/s ${sandboxLimits ? 'enforced' : 'NOT available in this sandbox (40100 cannot happen; window counted from the log)'}`);
  console.log(`  wall ${(result.ms / 1000).toFixed(2)} s, floor (requests ÷ ${RPS}) ${(floorMs / 1000).toFixed(2)} s: ${ratio.toFixed(3)}x (target ≤ ${TARGET}x)`);
  console.log(`  40100 answers: ${refused} (target 0); busiest sliding second: ${busiest} requests (≤ 12)`);
  summary({
    name: 'pace',
    ratio: Number(ratio.toFixed(3)),
    target: TARGET,
    ok,
    details: { conversations: listed, requests: requests.length, wall_ms: Math.round(result.ms), floor_ms: Math.round(floorMs), answers_40100: refused, busiest_second: busiest, sandbox_rps_enforced: sandboxLimits },
  });
} finally {
  await world.close();
}
