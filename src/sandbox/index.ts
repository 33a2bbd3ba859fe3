// The sandbox's public face for the CLI. Light on purpose: constants, types and the seed load at once;
// the handler, HTTP server and embedded store (node:http, the state file) load on first use.
import { join } from 'node:path';
import type { Transport } from '../http/raw.js';
import type { EmbeddedSandbox, EmbeddedSandboxOptions } from './embedded.js';
import type { SandboxHandler, SandboxHandlerOptions } from './handler.js';
import type { SandboxServer, SandboxServerOptions } from './server.js';
import { EMBEDDED_API_BASE_URL, EMBEDDED_AUTH_URL, EMBEDDED_CONTROL_URL, type SandboxState } from './types.js';

export {
  EMBEDDED_API_BASE_URL,
  EMBEDDED_AUTH_URL,
  EMBEDDED_CONTROL_URL,
  EMBEDDED_ORIGIN,
  SCENARIO_NAMES,
  ageState,
  type ScenarioName,
  type SandboxState,
} from './types.js';
export { SANDBOX_APP, SEED, applyScenario, isScenarioName, resetWorld, seedWorld } from './seed.js';
export type { EmbeddedSandbox, EmbeddedSandboxOptions } from './embedded.js';
export type { SandboxHandler, SandboxHandlerOptions } from './handler.js';
export type { SandboxServer, SandboxServerOptions } from './server.js';
export type { WebhookPoster } from './webhook-delivery.js';

/**
 * Serves the sandbox over HTTP on 127.0.0.1 (port 0 = ephemeral). Resolves with the URLs to hand the
 * CLI (`apiBaseUrl` ends with a slash) and the default app's credentials.
 */
export async function startSandboxServer(options: SandboxServerOptions = {}): Promise<SandboxServer> {
  const { startSandboxServer: start } = await import('./server.js');
  return start(options);
}

/**
 * The in-process sandbox behind `connect --sandbox`: `transport` serves requests to
 * EMBEDDED_API_BASE_URL / EMBEDDED_AUTH_URL / EMBEDDED_CONTROL_URL from `${configDir}/sandbox/state.json`
 * (locked per call, seeded on first use, written atomically with mode 0600).
 */
export function openEmbeddedSandbox(configDir: string, options: EmbeddedSandboxOptions = {}): EmbeddedSandbox {
  let inner: Promise<EmbeddedSandbox> | undefined;
  const load = () => (inner ??= import('./embedded.js').then((m) => m.openEmbeddedSandbox(configDir, options)));
  const transport: Transport = async (request, transportOptions) => (await load()).transport(request, transportOptions);
  return {
    transport,
    apiBaseUrl: EMBEDDED_API_BASE_URL,
    authUrl: EMBEDDED_AUTH_URL,
    controlUrl: EMBEDDED_CONTROL_URL,
    statePath: join(configDir, 'sandbox', 'state.json'),
    withState: async <T>(fn: (state: SandboxState) => T | Promise<T>) => (await load()).withState(fn),
  };
}

/** The request handler itself (one world in memory), for tests and custom hosts. */
export async function loadSandboxHandler(options: SandboxHandlerOptions = {}): Promise<SandboxHandler> {
  const { createSandboxHandler } = await import('./handler.js');
  return createSandboxHandler(options);
}
