// Webhook delivery (tiktok-api.md §5): signing, the poster, and the dispatcher that retries the outbox
// until an HTTP 200 and never drops a delivery. Apart from webhooks.ts (registration and content shapes)
// so a sandbox call that queues nothing (the embedded sandbox's reads) does not load those.
import { nodeCrypto } from '../lazy-crypto.js';
import { requestId } from './ids.js';
import type { SandboxState, WebhookDelivery } from './types.js';

/** Sends one delivery; injectable so tests capture deliveries without a server. */
export type WebhookPoster = (url: string, init: { headers: Record<string, string>; body: string; timeoutMs: number }) => Promise<{ status: number }>;

export const defaultPoster: WebhookPoster = async (url, init) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: init.headers,
    body: init.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(init.timeoutMs),
  });
  await response.arrayBuffer().catch(() => undefined);
  return { status: response.status };
};

/** `s` of `Tiktok-Signature`: hex HMAC-SHA256 of `t + "." + body`, keyed by the app's client secret. */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return nodeCrypto().createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

export const WEBHOOK_SCHEMA_VERSION = '1.0';

const MAX_BACKOFF_MS = 60_000;
const DELIVERED_KEPT = 50;

export function backoffMs(attempts: number): number {
  return Math.min(500 * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

export interface FlushOptions {
  /** Wall-clock budget for this round (ms); deliveries not tried stay queued. */
  budgetMs?: number;
  /** Timeout of one POST (ms). */
  attemptTimeoutMs?: number;
  /** Try every queued delivery now, ignoring backoff. */
  force?: boolean;
}

export class WebhookDispatcher {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly poster: WebhookPoster,
    private readonly clock: () => number,
  ) {}

  /** Attempts due deliveries in order; one round at a time (a call during a round schedules another). */
  flush(state: SandboxState, options: FlushOptions = {}): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.round(state, options);
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async round(state: SandboxState, options: FlushOptions): Promise<void> {
    const deadline = performance.now() + (options.budgetMs ?? 10_000);
    const failedUrls = new Set<string>();
    for (const delivery of [...state.outbox]) {
      if (performance.now() > deadline) return;
      const now = this.clock();
      if (!options.force && delivery.next_attempt_at > now) continue;
      const app = state.apps[delivery.client_key];
      const url = app?.webhook?.callback_url;
      // No callback any more: keep it until one is registered (never lose a delivery).
      if (!app || !url || failedUrls.has(url)) continue;
      const ok = await this.attempt(delivery, app.client_secret, url, options.attemptTimeoutMs ?? 5_000);
      if (ok) {
        const index = state.outbox.indexOf(delivery);
        if (index >= 0) state.outbox.splice(index, 1);
        state.delivered.push(delivery);
        if (state.delivered.length > DELIVERED_KEPT) state.delivered.splice(0, state.delivered.length - DELIVERED_KEPT);
      } else {
        failedUrls.add(url);
      }
    }
  }

  private async attempt(delivery: WebhookDelivery, secret: string, url: string, timeoutMs: number): Promise<boolean> {
    const now = this.clock();
    const t = Math.floor(now / 1000);
    const headers = {
      'content-type': 'application/json',
      'tiktok-signature': `t=${t},s=${signWebhook(secret, t, delivery.body)}`,
      'x-tt-logid': requestId(now),
      'webhook-schema-version': WEBHOOK_SCHEMA_VERSION,
      'user-agent': 'tiktok-channel-sandbox/1 (webhook)',
    };
    delivery.attempts++;
    delivery.last_attempt_at = now;
    delivery.callback_url = url;
    try {
      const { status } = await this.poster(url, { headers, body: delivery.body, timeoutMs });
      delivery.last_status = status;
      // Only an HTTP 200 counts (tiktok-api.md §5), not any 2xx.
      if (status === 200) {
        delivery.delivered_at = this.clock();
        delete delivery.last_error;
        return true;
      }
      delivery.last_error = `HTTP ${status}`;
    } catch (error) {
      delete delivery.last_status;
      // fetch wraps network failures: the useful code (ECONNREFUSED, …) sits on `cause`.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const code = cause?.code ?? (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.name : 'Error');
      delivery.last_error = `${code}: ${cause?.message ?? (error instanceof Error ? error.message : String(error))}`;
    }
    delivery.next_attempt_at = this.clock() + backoffMs(delivery.attempts);
    return false;
  }
}
