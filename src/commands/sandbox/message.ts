// `sandbox message`: a TikTok user writes to the account. The definition only: the body (./impl.ts)
// loads when the command runs.
import type { Deps } from '../../deps.js';
import type { CommandResult } from '../../io/output.js';
import { choice, defineCommand, flag, text, type OptionsOf } from '../../spec.js';
import { controlUrl } from '../sandbox.js';

/** Delivery variations `sandbox message` and every `sandbox event` accept. */
export const shapeOptions = () => ({
  createTimeMs: flag('--create-time-ms', 'webhook create_time in milliseconds (as seen in the wild)'),
  casing: choice('--casing <casing>', 'enum casing in webhook content', ['lower', 'upper']),
  sceneType: text('--scene-type <value>', 'add scene_type to the webhook content'),
});

export const definition = defineCommand({
  path: ['sandbox', 'message'],
  summary: 'a TikTok user writes to the account (webhooks delivered if registered)',
  options: {
    text: text('--text <text>', 'what the user writes'),
    from: text('--from <username>', 'the user (default: the seeded user)'),
    ref: text('--ref <tag>', 'arrive through a tiktok.me link with this tracking tag'),
    viaAd: flag('--via-ad', 'arrive through an ad'),
    eu: flag('--eu', 'as an EEA user (im_receive_msg_eu)'),
    image: flag('--image', 'the user sends an image instead of text'),
    ...shapeOptions(),
    controlUrl: controlUrl(),
  },
});

export type MessageOptions = Partial<OptionsOf<typeof definition>>;

export async function run(options: OptionsOf<typeof definition>, deps: Deps): Promise<CommandResult> {
  return (await import('./impl.js')).message(options, deps);
}
