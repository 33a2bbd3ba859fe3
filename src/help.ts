// Help topics (gh's `help environment`, `help exit-codes`): one place for what flags' help cannot hold.
import { EXIT_CODES } from './errors.js';

export const HELP_TOPICS: Record<string, string> = {
  environment: `Environment variables

  TIKTOK_CHANNEL_CLIENT_KEY, TIKTOK_CHANNEL_CLIENT_SECRET
      Your TikTok developer app's credentials. Stored by \`connect\`; otherwise asked on a TTY.
  TIKTOK_CHANNEL_ACCESS_TOKEN, TIKTOK_CHANNEL_BUSINESS_ID
      Use this token and account instead of the stored ones (CI). They win over the store.
  TIKTOK_CHANNEL_REFRESH_TOKEN
      With the two above: lets a CI job refresh; \`refresh --json\` prints the rotated pair to store.
  TIKTOK_CHANNEL_API_BASE_URL
      API for Business base (default https://business-api.tiktok.com/open_api/v1.3/).
  TIKTOK_CHANNEL_AUTH_URL
      Account-holder authorize page (default https://www.tiktok.com/v2/auth/authorize/).
  TIKTOK_CHANNEL_CONFIG_DIR
      Where accounts are kept (0600), and the embedded sandbox's state. Default: the per-user config dir.
  TIKTOK_CHANNEL_MAX_RPS
      Your app's requests per second, its TikTok tier's figure (default 10, Basic; 20, 30 or 50 above),
      and 60 times it per minute: one budget per client key, shared by every process on this machine.
  TIKTOK_CHANNEL_CACHE_DIR
      Where the compiled-code cache that speeds up start-up lives (default ~/.cache/tiktok-channel);
      set it empty to turn the cache off.
  TIKTOK_CHANNEL_SANDBOX_CONTROL_URL
      Point \`sandbox message|event|set|clock|reset|phone\` at a served sandbox instead of the embedded one.
  NO_COLOR, FORCE_COLOR
      Colour: NO_COLOR wins, then FORCE_COLOR, then whether stderr is a terminal.
  CI
      When set (or without a TTY): never prompt, never open a browser unasked.
`,
  'exit-codes': `Exit codes

  0    ok
  1    unexpected error, a config dir or accounts.json that cannot be used, or doctor found a failure
  2    usage or validation (unknown flag, text over 6000 characters,
       image over 3 MiB or not JPG/PNG, missing value without a TTY)
  3    authentication (not connected, consent denied, tokens expired or revoked)
  4    permission (scopes missing, no Advanced Access, region blocked, not a Business Account)
  5    messaging policy (48-hour window closed, 10 messages used, DM rules, media refused)
  6    network or TikTok unavailable (timeouts, resets, 5xx, HTML from a gateway, rate limit after retries)
  7    timed out waiting (send --wait-reply, qr --wait, tail --count … --timeout)
  130  cancelled (Ctrl-C)

With --json a failure prints {"error": {"kind", "code", "message", "hint", "tiktok_code", "request_id"}}
on stdout, with the same exit code.
`,
};

/** One entry of a topic: the line that opens it (2 spaces in) and the lines that continue it (4 or more). */
function topicEntries(text: string): Array<{ head: string; body: string }> {
  const entries: Array<{ head: string; body: string[] }> = [];
  for (const line of text.split('\n')) {
    if (/^ {2}\S/.test(line)) entries.push({ head: line.trim(), body: [] });
    else if (/^ {4,}\S/.test(line) && entries.length) entries[entries.length - 1]!.body.push(line.trim());
  }
  return entries.map((entry) => ({ head: entry.head, body: entry.body.join(' ') }));
}

/** `help <topic> --json`: the same topic as data, read from the text above so the two never disagree. */
export function helpTopicJson(topic: string): Record<string, unknown> {
  const entries = topicEntries(HELP_TOPICS[topic] ?? '');
  if (topic === 'exit-codes') {
    return {
      exit_codes: entries.map(({ head, body }) => {
        const [, code, meaning] = /^(\d+)\s+(.*)$/.exec(head) ?? [];
        const number = Number(code);
        return {
          code: number,
          kinds: Object.entries(EXIT_CODES)
            .filter(([, exit]) => exit === number)
            .map(([kind]) => kind),
          meaning: [meaning, body].filter(Boolean).join(' '),
        };
      }),
    };
  }
  if (topic === 'environment') {
    return { environment: entries.map(({ head, body }) => ({ variables: head.split(/,\s*/), meaning: body })) };
  }
  return { topic, text: HELP_TOPICS[topic] ?? '' };
}
