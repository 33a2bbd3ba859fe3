// The sandbox's control API (plain JSON, no TikTok envelope), spoken through the same Transport as the
// API client: in-process for the embedded sandbox, undici for a served one. Commands never call fetch.
import { CliError } from '../errors.js';
import type { EmbeddedSandbox } from '../sandbox/index.js';
import type { Transport } from './raw.js';
import { redactUrl } from './redact.js';

export type ControlMethod = 'GET' | 'POST';

/** Sends one control request and returns the parsed JSON answer; non-2xx answers become CliErrors. */
export async function controlRequest<T = Record<string, unknown>>(
  transport: Transport,
  method: ControlMethod,
  url: string,
  body?: unknown,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let bytes: Uint8Array | undefined;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    bytes = new TextEncoder().encode(JSON.stringify(body));
  }
  let response;
  try {
    response = await transport({ method, url, headers, body: bytes }, { signal: options.signal, timeoutMs: options.timeoutMs ?? 15_000 });
  } catch (error) {
    if (options.signal?.aborted) throw new CliError('cancelled', 'Cancelled.');
    if (error instanceof CliError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new CliError('network', `Could not reach the sandbox at ${redactUrl(url)}: ${detail}`, {
      hint: 'Is `tiktok-channel sandbox serve` still running? Check TIKTOK_CHANNEL_API_BASE_URL / TIKTOK_CHANNEL_SANDBOX_CONTROL_URL.',
      cause: error,
    });
  }
  const text = new TextDecoder().decode(response.body);
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = undefined;
  }
  if (response.status < 200 || response.status >= 300 || parsed === undefined) {
    const message = (parsed as { error?: { message?: unknown } } | undefined)?.error?.message;
    if (response.status === 400 && typeof message === 'string') {
      // The sandbox refused what the user asked for (a bad region, an unknown user…): its words say why.
      throw new CliError('validation', `The sandbox refused the request: ${message}`, {
        hint: 'Fix the value named above; `tiktok-channel sandbox <verb> --help` lists the options.',
      });
    }
    throw new CliError(
      response.status >= 500 || parsed === undefined ? 'network' : 'unexpected',
      `The sandbox answered HTTP ${response.status} to ${method} ${redactUrl(url)}${typeof message === 'string' ? `: ${message}` : ''}`,
    );
  }
  return parsed as T;
}

/** The control URL of a served sandbox: TIKTOK_CHANNEL_SANDBOX_CONTROL_URL, else `/sandbox` on the API's origin. */
export function servedControlUrl(env: Record<string, string | undefined>, apiBaseUrl: string): string {
  const explicit = env.TIKTOK_CHANNEL_SANDBOX_CONTROL_URL;
  if (explicit) return explicit.replace(/\/+$/, '');
  return `${new URL(apiBaseUrl).origin}/sandbox`;
}

/** Where sandbox control requests go, and over which transport. */
export interface ControlTarget {
  transport: Transport;
  controlUrl: string;
  embedded: boolean;
}

/**
 * The served sandbox at `servedControlUrl` (over the network), or, when it is undefined, the embedded
 * sandbox in the config dir (in-process, the same transport the API client uses for it).
 */
export async function sandboxControlTarget(configDir: () => string, servedControlUrl: string | undefined): Promise<ControlTarget> {
  if (servedControlUrl) {
    const { nodeHttpTransport } = await import('./node-http.js');
    return { transport: nodeHttpTransport, controlUrl: servedControlUrl.replace(/\/+$/, ''), embedded: false };
  }
  const sandbox = await embeddedSandbox(configDir());
  return { transport: sandbox.transport, controlUrl: sandbox.controlUrl, embedded: true };
}

/**
 * The embedded sandbox in the config dir `dir`, the one the API client, the control verbs and `sandbox
 * phone` all talk to: its transport reports file-system failures as config errors, not network ones.
 */
export async function embeddedSandbox(dir: string): Promise<EmbeddedSandbox> {
  const sandbox = await import('../sandbox/index.js');
  const { withConfigDirErrors } = await import('../store/config-dir.js');
  const embedded = sandbox.openEmbeddedSandbox(dir);
  // Nothing touches the disk until the first request: its file-system failures surface through the transport.
  return { ...embedded, transport: withConfigDirErrors(embedded.transport, dir) };
}
