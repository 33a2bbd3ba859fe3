// The shape of accounts.json, checked on every read so a hand-edited or foreign file is reported with the
// field at fault instead of crashing a command ("Cannot read properties of undefined") or being rewritten.
// Hand-written: a schema library would add start-up weight for a dozen fields. Unknown fields are allowed
// (a newer version may add some); known ones must have their type.

type Check = (value: unknown) => string | undefined;

const isString: Check = (value) => (typeof value === 'string' ? undefined : 'a string');
const nonEmptyString: Check = (value) => (typeof value === 'string' && value.trim() ? undefined : 'a non-empty string');
// Within what a Date can hold (±8.64e15 ms), and not before 1970: 1e308 passes isFinite and then breaks
// every date format that shows it (\`status --offline\` crashed on it).
const MAX_EPOCH_MS = 8.64e15;
const isNumber: Check = (value) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_EPOCH_MS ? undefined : 'a number (epoch milliseconds, 0 to 8.64e15)';
const stringList: Check = (value) => (Array.isArray(value) && value.every((item) => typeof item === 'string') ? undefined : 'a list of strings');
const revocation: Check = (value) => {
  const record = value as Record<string, unknown> | null;
  const ok =
    isRecord(record) && isNumber(record.at) === undefined && (record.reason === null || (typeof record.reason === 'number' && Number.isInteger(record.reason)));
  return ok ? undefined : 'an object {at: epoch milliseconds, reason: an integer or null}';
};
const embedded: Check = (value) => (value === 'embedded' ? undefined : '"embedded"');

const REQUIRED: Record<string, Check> = {
  businessId: nonEmptyString,
  channelName: nonEmptyString,
  scopes: stringList,
  accessToken: nonEmptyString,
  accessTokenExpiresAt: isNumber,
  refreshToken: isString,
  refreshTokenExpiresAt: isNumber,
  clientKey: isString,
  clientSecret: isString,
  connectedAt: isNumber,
  updatedAt: isNumber,
};

const OPTIONAL: Record<string, Check> = {
  username: isString,
  displayName: isString,
  region: isString,
  sandbox: embedded,
  apiBaseUrl: isString,
  authUrl: isString,
  consentedAt: isNumber,
  revoked: revocation,
};

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return value.length > 40 ? 'a string' : JSON.stringify(value);
  return `${typeof value === 'object' ? 'an object' : typeof value === 'number' ? `the number ${value}` : String(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What is wrong with the file's content, naming the field (e.g. `accounts["-000…"].channelName is missing, expected a non-empty string`); undefined when it is usable. */
export function validateStore(store: unknown): string | undefined {
  // A file that does not exist yet reads as {}.
  if (!isRecord(store)) return `the file holds ${describe(store)}, expected an object`;
  if (store.defaultAccount !== undefined && typeof store.defaultAccount !== 'string') {
    return `defaultAccount is ${describe(store.defaultAccount)}, expected a string`;
  }
  if (store.accounts === undefined) return undefined;
  if (!isRecord(store.accounts)) return `accounts is ${describe(store.accounts)}, expected an object keyed by business_id`;
  for (const [key, account] of Object.entries(store.accounts)) {
    const at = `accounts[${JSON.stringify(key)}]`;
    if (!isRecord(account)) return `${at} is ${describe(account)}, expected an object`;
    for (const [field, check] of Object.entries(REQUIRED)) {
      const expected = check(account[field]);
      if (expected) return `${at}.${field} is ${describe(account[field])}, expected ${expected}`;
    }
    for (const [field, check] of Object.entries(OPTIONAL)) {
      if (account[field] === undefined) continue;
      const expected = check(account[field]);
      if (expected) return `${at}.${field} is ${describe(account[field])}, expected ${expected}`;
    }
    if (account.businessId !== key) return `${at}.businessId is ${describe(account.businessId)}, expected the key it is stored under`;
  }
  return undefined;
}
