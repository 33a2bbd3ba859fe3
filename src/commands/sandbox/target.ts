// What the sandbox verbs share: which sandbox they act on (embedded in the config dir, or served), which
// of its accounts, and the control API call.
import type { Deps } from '../../deps.js';
import type { ControlTarget } from '../../http/control.js';

/** --control-url, TIKTOK_CHANNEL_SANDBOX_CONTROL_URL, or the sandbox TIKTOK_CHANNEL_API_BASE_URL points at; else embedded. */
export async function controlTarget(deps: Deps, controlUrl?: string): Promise<ControlTarget> {
  const { sandboxControlTarget, servedControlUrl } = await import('../../http/control.js');
  const explicit = controlUrl ?? deps.env.TIKTOK_CHANNEL_SANDBOX_CONTROL_URL;
  const apiBase = deps.env.TIKTOK_CHANNEL_API_BASE_URL;
  return sandboxControlTarget(() => deps.store().dir, explicit || (apiBase ? servedControlUrl(deps.env, apiBase) : undefined));
}

/** The sandbox account to act on: --account when given, else the default account if it is a sandbox one. */
export function sandboxBusinessId(deps: Deps, target: ControlTarget): string | undefined {
  if (deps.globals.account) return deps.resolveAccount(deps.globals.account).businessId;
  if (!target.embedded) return undefined;
  const businessId = deps.store().defaultBusinessId();
  const account = businessId ? deps.store().read().accounts[businessId] : undefined;
  return account?.sandbox === 'embedded' ? account.businessId : undefined;
}

export async function control<T>(deps: Deps, target: ControlTarget, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const { controlRequest } = await import('../../http/control.js');
  return deps.io.progress('Talking to the sandbox', () =>
    controlRequest<T>(target.transport, method, `${target.controlUrl}${path}`, body, { signal: deps.signal }),
  );
}

/** Single-quoted for sh when it holds anything but safe characters. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_.:/@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
