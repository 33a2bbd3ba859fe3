// The runner's rules, with checks as plain data: everything runs at once, a failed prerequisite skips
// its dependents with the root cause (without waiting for them), a throw is `error`, a hang is `error`
// after the per-check limit, and a warning can still hold its dependents back.
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/doctor/runner.js';
import type { Check, CheckOutcome, DoctorContext } from '../../src/doctor/types.js';

const base = {} as Omit<DoctorContext, 'result'>;

function check(id: string, requires: string[], run: () => Promise<CheckOutcome>): Check {
  return { id: id as Check['id'], title: id, category: 'setup', requires: requires as Check['requires'], run };
}

describe('doctor runner', () => {
  it('runs checks concurrently: each check finishes only once all three have started', async () => {
    let started = 0;
    let allStarted!: () => void;
    const barrier = new Promise<void>((resolve) => (allStarted = resolve));
    const meeting = (id: string) =>
      check(id, [], async () => {
        if (++started === 3) allStarted();
        await barrier;
        return { status: 'ok', detail: id };
      });
    // One at a time, the first would wait for the others forever: the per-check limit would end it.
    const results = await runChecks([meeting('config'), meeting('network'), meeting('clock')], base, 10_000);
    expect(results.map((result) => result.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('skips dependents of a failure with the root cause, without waiting for their own run', async () => {
    let tokenFinished = false;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const results = await runChecks(
      [
        check('network', [], async () => ({ status: 'fail', detail: 'refused', fix: 'start it' })),
        // Still running when the runner answers: released only afterwards.
        check('token', ['network'], async () => {
          await held;
          tokenFinished = true;
          return { status: 'ok', detail: 'fine' };
        }),
        check('scopes', ['token'], async () => ({ status: 'ok', detail: 'fine' })),
      ],
      base,
      10_000,
    );
    expect(results.map((result) => [result.id, result.status, result.detail])).toEqual([
      ['network', 'fail', 'refused'],
      ['token', 'skip', 'skipped: network failed'],
      ['scopes', 'skip', 'skipped: network failed'],
    ]);
    expect(tokenFinished).toBe(false);
    release();
  });

  it('a throw is an error result with a way to report it; a warning that blocks holds its dependents', async () => {
    const results = await runChecks(
      [
        check('config', [], async () => {
          throw new Error('boom');
        }),
        check('token', [], async () => ({ status: 'warn', detail: 'the access token expired', blocksDependents: true })),
        check('scopes', ['token'], async () => ({ status: 'ok', detail: 'fine' })),
        check('webhook', ['config'], async () => ({ status: 'ok', detail: 'fine' })),
      ],
      base,
    );
    expect(results[0]).toMatchObject({ status: 'error', detail: 'the check stopped with an error: boom' });
    expect(results[0]!.fix).toContain('--debug');
    expect(results[2]).toMatchObject({ status: 'skip', detail: 'skipped: token: the access token expired' });
    expect(results[3]).toMatchObject({ status: 'skip', detail: 'skipped: config could not run' });
  });

  it('a check that hangs is an error after the per-check limit', async () => {
    const results = await runChecks([check('media', [], () => new Promise<CheckOutcome>(() => undefined))], base, 50);
    expect(results[0]).toMatchObject({ status: 'error', detail: 'did not finish within 50 ms' });
  });
});
