// Start-up time of the CLI against bare Node in the same run: `node -e 0` is the baseline.
// Prints medians and ratios; exits 1 when --version is above the target ratio (1.3x).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/tiktok-channel.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 30);
const target = Number(process.env.BENCH_TARGET ?? 1.3);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(args) {
  const samples = [];
  for (let i = 0; i < runs + 3; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, CI: 'true' } });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
    if (i >= 3) samples.push(elapsed); // the first runs warm the file cache
  }
  return median(samples);
}

// Interleave so machine noise hits both sides alike.
const baseline = time(['-e', '0']);
const cases = [
  ['--version', [bin, '--version']],
  ['--help', [bin, '--help']],
  ['send --help', [bin, 'send', '--help']],
];
console.log(`baseline  node -e 0        ${baseline.toFixed(1)} ms (median of ${runs})`);
let failed = false;
for (const [name, args] of cases) {
  const ms = time(args);
  const ratio = ms / baseline;
  const flag = name === '--version' && ratio > target ? `  ABOVE TARGET ${target}x` : '';
  if (flag) failed = true;
  console.log(`${name.padEnd(16)}  ${ms.toFixed(1).padStart(6)} ms  ${ratio.toFixed(2)}x${flag}`);
}
process.exit(failed ? 1 : 0);
