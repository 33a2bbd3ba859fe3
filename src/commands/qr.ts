// `qr`: the account's chat link https://tiktok.me/{username}, printed, drawn as a QR code or saved as an
// image; `--wait` tests the connection. The definition only: the body (./qr/impl.ts) loads when it runs.
import type { Deps } from '../deps.js';
import type { CommandResult } from '../io/output.js';
import { defineCommand, integer, optionalValue, text, type OptionsOf } from '../spec.js';

export const definition = defineCommand({
  path: ['qr'],
  streams: true,
  summary: 'the chat link https://tiktok.me/{username} as text, a terminal QR code, or an image file',
  examples: [
    'tiktok-channel qr',
    'tiktok-channel qr --ref spring-poster --message "Hi!" --output poster.png',
    'tiktok-channel qr --wait   # scan it, write, see it arrive',
  ],
  options: {
    message: text('--message <text>', 'a pre-filled message'),
    ref: text('--ref <tag>', 'a tracking tag TikTok sends back when someone arrives through the link'),
    output: text('--output <file>', 'write a .png or .svg file'),
    wait: optionalValue(
      '--wait [seconds]',
      'test the connection: wait (default 300 s) until someone arrives through this link (its ref tag; others are shown, not counted)',
    ),
    port: integer('--port <n>', 'with --wait: receive webhooks on this port instead of polling', { min: 0, max: 65535 }),
  },
});

export type QrOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./qr/impl.js')).qr(options, deps);
}
