// Pacing measured at the client's departures, where machine load cannot distort it. Each HTTP request is
// stamped as it leaves, through undici's own diagnostics channel (the request is created when the
// transport hands it over, after the pacer let it go). The stamp also goes to the sandbox as
// x-sandbox-sent-at, so its rate limit counts departures too: on a loaded machine a sandbox host that was
// not scheduled for a while reads several requests at once, which no client pacing can prevent.
// In this process: stampDepartures(); in CLI children: recordDepartures() (test/fixtures/departure-recorder.mjs).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export interface Departure {
  at: number;
  pid: number;
  path: string;
}

const CHANNEL = 'undici:request:create';

/** Stamps this process's requests until the returned function is called; `departures` fills as they leave. */
export function stampDepartures(): { departures: Departure[]; stop(): void } {
  const departures: Departure[] = [];
  const stamp = (message: unknown) => {
    const { request } = message as { request: { path: string; addHeader(name: string, value: string): void } };
    const at = Date.now();
    request.addHeader('x-sandbox-sent-at', String(at));
    departures.push({ at, pid: process.pid, path: request.path.split('?')[0]! });
  };
  subscribe(CHANNEL, stamp);
  return { departures, stop: () => unsubscribe(CHANNEL, stamp) };
}

/** The env that makes CLI children stamp their requests, and a reader of their API departures. */
export function recordDepartures(): { env: Record<string, string>; departures(): Departure[] } {
  const log = join(mkdtempSync(join(tmpdir(), 'ttc-departures-')), 'departures.log');
  return {
    env: { NODE_OPTIONS: `--import ${join(ROOT, 'test/fixtures/departure-recorder.mjs')}`, DEPARTURE_LOG: log },
    departures() {
      let text = '';
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        // no request left
      }
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' '))
        .map(([at, pid, path]) => ({ at: Number(at), pid: Number(pid), path: path! }))
        .filter((departure) => departure.path.startsWith('/open_api/'));
    },
  };
}

/** The most requests in any sliding window of `windowMs` (both ends inclusive: the strictest count). */
export function maxInWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let end = 0, start = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! > windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Seconds between the first and the last of `times`. */
export const spread = (times: number[]) => (Math.max(...times) - Math.min(...times)) / 1000;
