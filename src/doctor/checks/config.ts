// `config`: an account and the app's credentials exist, the account file is private (0600), and TikTok
// accepts the client key and secret: webhook/list is an app-level call that needs no account and
// refuses a wrong secret. Setting up the developer app is where integrators get stuck most, so a wrong
// secret, a missing account (often an unregistered redirect URI at connect) each get their own fix.
import { chmodSync, statSync } from 'node:fs';
import type { Check, CheckOutcome, CheckStatus, DoctorContext } from '../types.js';
import { quoteTikTok, reauthorizeCommand } from './shared.js';

const WORST: CheckStatus[] = ['ok', 'skip', 'warn', 'error', 'fail'];

interface Part {
  status: CheckStatus;
  detail: string;
  fix?: string;
}

/** The redirect URI `connect --port 8723` listens on: the one we tell people to register. */
const REDIRECT_HINT =
  "If TikTok's page said the redirect_uri is not registered: add http://127.0.0.1:8723/callback/ to your app " +
  '(developers.tiktok.com → your app → Login Kit → Redirect URI) and run `tiktok-channel connect --port 8723`.';

function accountPart(ctx: DoctorContext): Part {
  if (ctx.account) {
    const who = ctx.account.username ? `@${ctx.account.username}` : ctx.account.businessId;
    return { status: 'ok', detail: `${who} (${ctx.account.source === 'env' ? 'TIKTOK_CHANNEL_ACCESS_TOKEN' : 'stored account'})` };
  }
  const error = ctx.accountError;
  return {
    status: 'fail',
    detail: error?.message ?? 'No TikTok account is connected.',
    fix: `${error?.hint ?? 'Run `tiktok-channel connect` (or `tiktok-channel connect --sandbox` to try the built-in sandbox).'} ${REDIRECT_HINT}`,
  };
}

function credentialsPart(ctx: DoctorContext): Part | undefined {
  const missing = [!ctx.app.clientKey && 'client key', !ctx.app.clientSecret && 'client secret'].filter(Boolean) as string[];
  if (!missing.length) return undefined;
  const envNames = 'TIKTOK_CHANNEL_CLIENT_KEY and TIKTOK_CHANNEL_CLIENT_SECRET';
  return {
    // Env tokens can message without the app's credentials; a stored account cannot renew its token.
    status: ctx.account?.source === 'store' ? 'fail' : 'warn',
    detail: `the app's ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set, so TikTok cannot check the app, its webhook or the token's scopes`,
    fix: `Set ${envNames} to your app's values (developers.tiktok.com → your app → App details).`,
  };
}

function filePart(ctx: DoctorContext): Part | undefined {
  if (!ctx.storePath || ctx.account?.source === 'env') return undefined;
  let mode: number;
  try {
    mode = statSync(ctx.storePath).mode & 0o777;
  } catch {
    return undefined; // no file yet: nothing stored, nothing exposed
  }
  if ((mode & 0o077) === 0) return undefined;
  const octal = mode.toString(8).padStart(4, '0');
  if (ctx.fix) {
    try {
      chmodSync(ctx.storePath, 0o600);
      return { status: 'ok', detail: `${ctx.storePath} was mode ${octal}; --fix set it to 0600` };
    } catch (error) {
      return {
        status: 'warn',
        detail: `--fix could not change the mode of ${ctx.storePath}: ${(error as Error).message}`,
        fix: `chmod 600 "${ctx.storePath}"`,
      };
    }
  }
  return {
    status: 'warn',
    detail: `${ctx.storePath} holds tokens but is mode ${octal}: other users of this machine can read it`,
    fix: `Run \`chmod 600 "${ctx.storePath}"\` (or \`tiktok-channel doctor --fix\`).`,
  };
}

async function appPart(ctx: DoctorContext): Promise<Part | undefined> {
  if (!ctx.app.clientKey || !ctx.app.clientSecret) return undefined;
  const outcome = await ctx.probes.webhook();
  if (outcome.ok) return { status: 'ok', detail: "TikTok accepts the app's client key and secret" };
  const error = outcome.error;
  if (error.tiktokCode === 40001 || error.tiktokCode === 40002) {
    const stored = ctx.account?.source === 'store';
    return {
      status: 'fail',
      detail: `TikTok refused the app's client key or secret (${quoteTikTok(error)})`,
      fix: stored
        ? `Copy the client secret from developers.tiktok.com → your app → App details, then run ` +
          `\`TIKTOK_CHANNEL_CLIENT_SECRET=<secret> ${reauthorizeCommand(ctx.account).slice(1, -1)}\` so the right one is stored ` +
          '(a wrong secret also stops token renewal).'
        : 'Set TIKTOK_CHANNEL_CLIENT_SECRET (and TIKTOK_CHANNEL_CLIENT_KEY) to the values in developers.tiktok.com → your app → App details.',
    };
  }
  const network = await ctx.result('network');
  if (network.status !== 'ok' && network.status !== 'warn') {
    return { status: 'skip', detail: "TikTok could not be reached to check the app's credentials (see network)" };
  }
  return { status: 'error', detail: `could not check the app's credentials: ${quoteTikTok(error)}`, fix: error.hint };
}

export const config: Check = {
  id: 'config',
  title: 'Account and app credentials',
  category: 'setup',
  requires: [],
  async run(ctx): Promise<CheckOutcome> {
    const parts = [accountPart(ctx), credentialsPart(ctx), filePart(ctx), await appPart(ctx)].filter((part): part is Part => part !== undefined);
    const worst = parts.reduce<CheckStatus>((status, part) => (WORST.indexOf(part.status) > WORST.indexOf(status) ? part.status : status), 'ok');
    const shown = worst === 'ok' ? parts : parts.filter((part) => part.status !== 'ok');
    const fixes = shown.map((part) => part.fix).filter((fix): fix is string => Boolean(fix));
    return {
      status: worst,
      // Parts are joined with "; ", so none may end in its own full stop ("connected.; the app's").
      detail: `${worst === 'skip' ? 'skipped: ' : ''}${shown.map((part) => part.detail.replace(/\.$/, '')).join('; ')}`,
      fix: fixes.length ? fixes.join('\n') : undefined,
      details: parts.map((part) => `${part.status.padEnd(4)} ${part.detail}`),
    };
  },
};
