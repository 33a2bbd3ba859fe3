// node:crypto on first use. Loading it costs a command about 3 ms (bench/startup.mjs), and most commands
// never hash or draw a secret: modules whose crypto runs only on some paths (a consent, a token, a
// webhook signature) take it from here instead of importing it.
import { createRequire } from 'node:module';

let loaded: typeof import('node:crypto') | undefined;

export function nodeCrypto(): typeof import('node:crypto') {
  loaded ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return loaded;
}
