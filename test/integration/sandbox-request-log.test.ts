// The embedded sandbox's request log lives in requests.jsonl beside state.json: an API call appends its
// entry and leaves the rest of the log alone, the control state lists the last 200, and a state.json
// written by 0.2 (its log inside) is moved over once. On disk, through openEmbeddedSandbox's transport.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMBEDDED_API_BASE_URL, EMBEDDED_CONTROL_URL, openEmbeddedSandbox } from '../../src/sandbox/index.js';

const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

describe('embedded sandbox request log', () => {
  let dir: string;
  let statePath: string;
  let logPath: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ttc-request-log-'));
    statePath = join(dir, 'sandbox', 'state.json');
    logPath = join(dir, 'sandbox', 'requests.jsonl');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // An API call without a token: answered (40104) and logged, nothing else changes.
  const apiCall = (id: string) =>
    openEmbeddedSandbox(dir).transport({ method: 'GET', url: `${EMBEDDED_API_BASE_URL}business/get/?business_id=${id}`, headers: {} });
  const controlState = async () =>
    decode((await openEmbeddedSandbox(dir).transport({ method: 'GET', url: `${EMBEDDED_CONTROL_URL}/state`, headers: {} })).body);

  it('appends each API call to requests.jsonl, keeps state.json free of it, and lists it in the state', async () => {
    await controlState(); // seeds the world
    const before = lines(logPath).length;
    for (const id of ['b1', 'b2', 'b3']) expect((await apiCall(id)).status).toBe(200);
    const added = lines(logPath)
      .slice(before)
      .map((line) => JSON.parse(line));
    expect(added.map((entry) => entry.path)).toEqual(['/open_api/v1.3/business/get/', '/open_api/v1.3/business/get/', '/open_api/v1.3/business/get/']);
    expect(added.every((entry) => entry.code === 40104 && typeof entry.request_id === 'string')).toBe(true);
    expect(JSON.parse(readFileSync(statePath, 'utf8')).requests).toEqual([]);
    const listed = (await controlState()).requests.map((entry: { request_id: string }) => entry.request_id);
    expect(listed).toEqual(expect.arrayContaining(added.map((entry) => entry.request_id)));
  });

  it("moves a 0.2 state.json's log into requests.jsonl once, in order, before the new entries", async () => {
    await controlState();
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    const old = [1, 2].map((n) => ({ at: n, method: 'GET', path: `/open_api/v1.3/old/${n}/`, status: 200, code: 0, request_id: `old-${n}` }));
    writeFileSync(statePath, JSON.stringify({ ...state, requests: old }));
    await apiCall('after-upgrade');
    const ids = lines(logPath).map((line) => JSON.parse(line).request_id);
    expect(ids.indexOf('old-1')).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf('old-2')).toBe(ids.indexOf('old-1') + 1);
    expect(ids.indexOf('old-2')).toBeLessThan(ids.length - 1);
    expect(JSON.parse(readFileSync(statePath, 'utf8')).requests).toEqual([]);
  });

  it('cuts a long log back to its last 200 entries, and an entry after a line a crash cut short stays whole', async () => {
    await controlState();
    const entry = (n: number) => JSON.stringify({ at: n, method: 'GET', path: '/open_api/v1.3/x/', status: 200, code: 0, request_id: `filler-${n}` });
    appendFileSync(logPath, `${Array.from({ length: 1500 }, (_, n) => entry(n)).join('\n')}\n{"at":1,"meth`);
    await apiCall('after-the-cut');
    const kept = lines(logPath).map((line) => JSON.parse(line));
    expect(kept).toHaveLength(200);
    expect(kept.at(-1).path).toBe('/open_api/v1.3/business/get/');
    expect(kept.at(-2).request_id).toBe('filler-1499');
    expect((await controlState()).requests.map((e: { request_id: string }) => e.request_id)).toContain(kept.at(-1).request_id);
  });
});
