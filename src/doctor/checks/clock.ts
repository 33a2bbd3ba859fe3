// `clock`: the local clock against the Date header of TikTok's answers. Webhook signatures carry a
// time, and `tail` refuses deliveries whose time is too far from ours, so a drifting laptop clock
// silently loses messages. The header has one-second resolution, so the reading is ± about a second.
import { WEBHOOK_TOLERANCE_SECONDS } from '../../tiktok/limits.js';
import type { Check, CheckOutcome } from '../types.js';

export const CLOCK_WARN_SECONDS = 60;

function describe(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs < 120) return `${abs} s`;
  const minutes = Math.floor(abs / 60);
  if (minutes < 120) return `${minutes} min ${abs % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export const clock: Check = {
  id: 'clock',
  title: 'Clock in sync',
  category: 'setup',
  requires: ['network'],
  async run(ctx): Promise<CheckOutcome> {
    await ctx.probes.reach(); // the first answer has arrived (or none will)
    const exchange = ctx.probes.exchanges.find((candidate) => candidate.date && Number.isFinite(Date.parse(candidate.date)));
    if (!exchange) return { status: 'skip', detail: "skipped: TikTok's answers carried no Date header" };
    // The header is truncated to the second: the server's time lies in [date, date + 1 s).
    const server = Date.parse(exchange.date!) + 500;
    const local = (exchange.startedAt + exchange.endedAt) / 2;
    const skew = Math.round((local - server) / 1000);
    const rtt = exchange.endedAt - exchange.startedAt;
    const details = [`Date header ${exchange.date}, local ${new Date(local).toUTCString()}, round trip ${rtt} ms`];
    if (Math.abs(skew) <= CLOCK_WARN_SECONDS) {
      return {
        status: 'ok',
        detail: Math.abs(skew) <= 1 ? "within a second of TikTok's clock" : `${describe(skew)} ${skew > 0 ? 'ahead of' : 'behind'} TikTok's clock`,
        details,
      };
    }
    return {
      status: 'warn',
      detail: `this machine's clock is ${describe(skew)} ${skew > 0 ? 'ahead of' : 'behind'} TikTok's: webhook signatures carry a time, and \`tail\` refuses deliveries more than ${WEBHOOK_TOLERANCE_SECONDS} s off`,
      fix:
        'Turn on automatic time: Linux `sudo timedatectl set-ntp true`; macOS System Settings → General → Date & Time → ' +
        'Set time automatically; Windows Settings → Time & language → Set the time automatically.',
      details,
    };
  },
};
