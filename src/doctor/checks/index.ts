// Every check, in the order of the contract's ids (cli-contract.md "Doctor check ids").
import type { Check } from '../types.js';
import { advancedAccess } from './advanced-access.js';
import { businessAccount } from './business-account.js';
import { clock } from './clock.js';
import { config } from './config.js';
import { dmSetting } from './dm-setting.js';
import { media } from './media.js';
import { messagingWindow } from './messaging-window.js';
import { network } from './network.js';
import { region } from './region.js';
import { scopes } from './scopes.js';
import { token } from './token.js';
import { webhook } from './webhook.js';

export const CHECKS: readonly Check[] = [
  config,
  network,
  clock,
  token,
  scopes,
  businessAccount,
  advancedAccess,
  region,
  dmSetting,
  webhook,
  messagingWindow,
  media,
];
