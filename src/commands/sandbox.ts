// `sandbox`: the group of the built-in emulator's verbs (./sandbox/<verb>.ts, one definition each). It
// runs nothing itself. The pieces its verbs share live here: the scenario names and --control-url.
import type { ScenarioName } from '../sandbox/types.js';
import { defineCommand, text } from '../spec.js';

export const definition = defineCommand({
  path: ['sandbox'],
  summary: "the built-in emulator of TikTok's API (embedded, or served over HTTP)",
  examples: [
    'tiktok-channel sandbox serve --port 4010',
    'tiktok-channel sandbox message --from maya --text "Is this in stock?"',
    'tiktok-channel sandbox clock --advance 47h',
  ],
});

/** The sandbox's scenarios (src/sandbox/types.ts's SCENARIO_NAMES), listed here so the help loads no sandbox code. */
export const SCENARIOS = [
  'healthy',
  'eea',
  'no-advanced-access',
  'followers-only',
  'expired-tokens',
  'personal-account',
  'media-blocked',
  'advanced-access-rollout',
] as const satisfies readonly ScenarioName[];

// Both ways: a scenario added to the sandbox and not listed here fails to compile.
type Missing = Exclude<ScenarioName, (typeof SCENARIOS)[number]>;
const everyScenarioListed: [Missing] extends [never] ? true : Missing = true;
void everyScenarioListed;

/** The verbs that act on a sandbox (all but serve) reach a served one with this. */
export const controlUrl = () => text('--control-url <url>', 'act on a served sandbox (or TIKTOK_CHANNEL_SANDBOX_CONTROL_URL)');
