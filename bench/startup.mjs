// Start-up of the CLI against bare Node (`node -e 0`) in the same run: interleaved rounds (every case once
// per round, so load from other processes hits all of them alike), medians of 15 runs (--quick: 7).
// Targets: --version ≤ 1.15x, --help and every `<command> --help` ≤ 1.3x, `status --offline` (a real
// command against the embedded sandbox; plain `status` where --offline does not exist yet) ≤ 2x.
// Prints a table, then one JSON line {name, ratio, target, ok, details}; exits 1 past any target.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const quick = process.argv.includes('--quick');
const runs = Number(process.env.BENCH_RUNS ?? (quick ? 7 : 15));
const warmup = 2;
const bin = fileURLToPath(new URL('../bin/tiktok-channel.js', import.meta.url));
const { helpRequests } = await import('../dist/build-help.js');

const dist = new URL('../dist/', import.meta.url);
const stale = () => ['cli.js', 'help.js'].some((name) => statSync(new URL(name, dist)).mtimeMs > statSync(new URL('help.json', dist)).mtimeMs);
if (!existsSync(new URL('help.json', dist)) || stale()) {
  console.error('dist/help.json is missing or older than dist/cli.js (help would load commander): run `npm run build` first.');
  process.exit(1);
}

const configDir = mkdtempSync(join(tmpdir(), 'ttc-bench-startup-'));
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TIKTOK_CHANNEL_'))), CI: 'true', TIKTOK_CHANNEL_CONFIG_DIR: configDir };
const run = (args) => spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

try {
  const connected = run([bin, 'connect', '--sandbox', '--json']);
  if (connected.status !== 0) throw new Error(`connect --sandbox failed: ${connected.stderr}`);
  const offline = run([bin, 'status', '--help']).stdout.includes('--offline');
  const statusArgs = offline ? ['status', '--offline'] : ['status'];

  const cases = [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: '--version', args: [bin, '--version'], target: 1.15 },
    ...helpRequests()
      .filter((argv) => argv.at(-1) === '--help')
      .map((argv) => ({ name: argv.join(' '), args: [bin, ...argv], target: 1.3 })),
    { name: statusArgs.join(' '), args: [bin, ...statusArgs], target: 2 },
  ];
  const samples = cases.map(() => []);
  for (let round = 0; round < warmup + runs; round++) {
    cases.forEach((entry, index) => {
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, entry.args, { env, stdio: 'ignore' });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.status !== 0) throw new Error(`${entry.name} exited ${result.status}`);
      if (round >= warmup) samples[index].push(ms); // the first rounds warm the file cache
    });
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const baseline = median(samples[0]);
  const baselineMin = Math.min(...samples[0]);
  const checks = cases.slice(1).map((entry, index) => {
    const ms = median(samples[index + 1]);
    const ratio = ms / baseline;
    // Fastest against fastest: what the code costs when nothing else competes for the CPU (shown, not judged).
    const ratioMin = Math.min(...samples[index + 1]) / baselineMin;
    return { name: entry.name, ms: Number(ms.toFixed(1)), ratio: Number(ratio.toFixed(3)), ratio_min: Number(ratioMin.toFixed(3)), target: entry.target, ok: ratio <= entry.target };
  });

  const [load] = loadavg();
  console.log(`start-up: interleaved medians of ${runs} runs; baseline node -e 0 = ${baseline.toFixed(1)} ms (load average ${load.toFixed(1)} on ${availableParallelism()} cores${load > availableParallelism() ? ': other work competes, ratios are noisy' : ''})`);
  for (const check of checks) {
    console.log(`  ${check.name.padEnd(28)} ${check.ms.toFixed(1).padStart(7)} ms  ${check.ratio.toFixed(2)}x  (target ≤ ${check.target}x; fastest runs ${check.ratio_min.toFixed(2)}x)${check.ok ? '' : '  ABOVE TARGET'}`);
  }
  // The headline: the check closest to (or furthest past) its target.
  const worst = checks.reduce((a, b) => (b.ratio / b.target > a.ratio / a.target ? b : a));
  const ok = checks.every((check) => check.ok);
  console.log(JSON.stringify({ name: 'startup', ratio: worst.ratio, target: worst.target, ok, details: { worst: worst.name, baseline_ms: Number(baseline.toFixed(1)), runs, checks } }));
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(configDir, { recursive: true, force: true });
}
