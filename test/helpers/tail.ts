// `tail` as a child process, and deliveries built and signed here with node:crypto (independently of the
// project's signature code), posted over real HTTP.
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { startCli, type RunningCli } from './cli.js';

export interface RunningTail extends RunningCli {
  url: string;
  port: number;
  /** stdout's JSON lines so far. */
  events(): any[];
  /** Polls until `count` JSON lines are on stdout. */
  waitForEvents(count: number, timeoutMs?: number): Promise<any[]>;
}

export async function startTail(
  args: string[],
  options: { configDir?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<RunningTail> {
  const cli = startCli(['tail', ...args], { timeoutMs: 60_000, ...options });
  const match = await cli.waitForStderr(/Ready! Listening on (http:\/\/127\.0\.0\.1:(\d+)\/\S*) \(Ctrl-C to quit\)/, 15_000);
  return withEvents(cli, { url: match[1]!, port: Number(match[2]) });
}

export function withEvents<T extends object>(cli: RunningCli, extra: T): RunningCli & T & Pick<RunningTail, 'events' | 'waitForEvents'> {
  const events = () =>
    cli
      .stdout()
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line));
  return Object.assign(cli, extra, {
    events,
    async waitForEvents(count: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const seen = events();
        if (seen.length >= count) return seen;
        if (Date.now() > deadline || cli.child.exitCode !== null) {
          throw new Error(`expected ${count} events, got ${seen.length}:\n${cli.stdout()}\nstderr: ${cli.stderr()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  });
}

/** The envelope TikTok POSTs: `content` is a JSON string. */
export function delivery(event: string, content: Record<string, unknown> | string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    client_key: extra.client_key ?? 'awsbx7k2m9q4t8h1',
    event,
    create_time: extra.create_time ?? Math.floor(Date.now() / 1000),
    user_openid: extra.user_openid,
    content: typeof content === 'string' ? content : JSON.stringify(content),
  });
}

export function sign(secret: string, body: string | Buffer, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},s=${createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex')}`;
}

export interface PostResult {
  status: number;
  text: string;
}

/** POSTs with node:http (no client-side magic): exact bytes, exact headers. */
export function post(url: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST'): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function postSigned(url: string, body: string, secret: string, options: { t?: number; headers?: Record<string, string> } = {}): Promise<PostResult> {
  return post(url, body, {
    'tiktok-signature': sign(secret, body, options.t),
    'x-tt-logid': `logid-${Math.random().toString(36).slice(2)}`,
    ...options.headers,
  });
}

/** A port nothing listens on right now (for a forward target that is "down", or a fixed --port). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Content of a message from a user to the business (webhook casing: lower case roles and type). */
export function inbound(businessId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    from: 'maya.lopez',
    to: 'acme.studio',
    unique_identifier: '-000SbXuMayaLopez9a1',
    from_user: { id: '-000SbXuMayaLopez9a1', role: 'personal_account' },
    to_user: { id: businessId, role: 'business_account' },
    conversation_id: 'mY3+hQ1/acMeMaYaL0pezQ==',
    timestamp: Date.now(),
    ...extra,
  };
}

export function outbound(businessId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    from: 'acme.studio',
    to: 'maya.lopez',
    unique_identifier: '-000SbXuMayaLopez9a1',
    from_user: { id: businessId, role: 'business_account' },
    to_user: { id: '-000SbXuMayaLopez9a1', role: 'personal_account' },
    conversation_id: 'mY3+hQ1/acMeMaYaL0pezQ==',
    timestamp: Date.now(),
    ...extra,
  };
}

/** Sends Ctrl-C's signal and waits for the exit. */
export async function interrupt(cli: RunningCli): Promise<{ code: number | null; stdout: string; stderr: string }> {
  cli.child.kill('SIGINT');
  return cli.done;
}
