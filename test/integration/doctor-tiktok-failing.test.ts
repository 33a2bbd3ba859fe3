// `doctor` when TikTok answers but every call fails (50002 system errors, 40100 rate limits): no check may
// say ok about what it could not see, each says why it could not check, and --strict fails the run.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWorld, type Connected, type World } from '../helpers/account.js';
import { runInProcess } from '../helpers/run.js';
import { parseJson } from '../helpers/cli.js';

let world: World;
let account: Connected;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => world?.close());
beforeEach(async () => {
  await world.reset();
  account = await world.connect();
});

interface DoctorJson {
  checks: Array<{ id: string; status: string; detail: string; fix: string | null }>;
  summary: { ok: boolean; errors: number; warnings: number };
}

function envWithApp(): Record<string, string> {
  return { ...world.env(account), TIKTOK_CHANNEL_CLIENT_KEY: world.server.clientKey, TIKTOK_CHANNEL_CLIENT_SECRET: world.server.clientSecret };
}

describe.each([
  [50002, 'Internal system error'],
  [40100, 'Too many requests'],
])('every TikTok call answers %i', (code, message) => {
  it('no check that needs TikTok says ok; --strict exits 1, plain doctor says what could not be checked', async () => {
    await world.control('POST', 'faults', { path: '*', kind: 'code', code, times: -1, message });
    const plain = await runInProcess(['doctor', '--json'], { env: envWithApp() });
    const report = parseJson(plain.stdout) as DoctorJson;
    const byId = Object.fromEntries(report.checks.map((check) => [check.id, check]));
    // Only the clock (TikTok's Date header) can be read from a failing answer.
    for (const check of report.checks.filter((candidate) => candidate.id !== 'clock')) {
      expect(check.status, `${check.id}: ${check.detail}`).not.toBe('ok');
    }
    expect(byId.network!.status).toBe('warn');
    expect(byId.network!.detail).toContain(String(code));
    const couldNot = report.checks.filter((check) => check.status === 'error' || check.status === 'warn');
    expect(couldNot.length).toBeGreaterThan(0);
    for (const check of couldNot) expect(check.fix, check.id).toBeTruthy();
    expect(report.summary.ok).toBe(true);
    expect(plain.code).toBe(0);

    const strict = await runInProcess(['doctor', '--json', '--strict'], { env: envWithApp() });
    expect(strict.code).toBe(1);
    expect((parseJson(strict.stdout) as DoctorJson).summary.ok).toBe(false);
  }, 120_000);
});

describe('only the messaging calls fail (50002)', () => {
  it('the token and profile checks pass; the checks that read messaging say they could not check, not ok', async () => {
    await world.control('POST', 'faults', { path: 'business/message/*', kind: 'code', code: 50002, times: -1, message: 'Internal system error' });
    const result = await runInProcess(['doctor', '--json', '--strict'], { env: envWithApp() });
    const report = parseJson(result.stdout) as DoctorJson;
    const byId = Object.fromEntries(report.checks.map((check) => [check.id, check]));
    expect(byId.token!.status).toBe('ok');
    expect(byId.network!.status).toBe('ok');
    expect(byId.region).toMatchObject({ status: 'error', detail: expect.stringContaining('could not call the messaging API: TikTok error 50002') });
    for (const id of ['advanced-access', 'dm-setting', 'messaging-window', 'media']) expect(byId[id]!.status, id).not.toBe('ok');
    expect(result.code).toBe(1);
  }, 60_000);
});
