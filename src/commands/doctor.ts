import type { Deps } from '../deps.js';
import { notAvailableYet } from './unavailable.js';

export async function run(_options: Record<string, unknown>, _deps: Deps): Promise<void> {
  notAvailableYet('doctor');
}
