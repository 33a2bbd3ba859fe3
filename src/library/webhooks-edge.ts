// `tiktok-channel/webhooks` for runtimes without Node's modules (package.json's `workerd`, `worker`,
// `edge-light`, `deno`, `browser` and `bun` conditions): Web Crypto verification and the same decoder,
// so a Worker gets the very event `tail --json` prints. Imports no `node:` module, directly or not.
export { checkSignatureAsync, constructEventAsync, verifySignatureAsync } from '../tiktok/signature-web.js';
export {
  parseSignatureHeader,
  WebhookSignatureError,
  type CheckSignatureResult,
  type SignatureFailure,
  type VerifySignatureInput,
} from '../tiktok/signature-core.js';
export {
  decodeEvent,
  eventDedupeKey,
  type DecodedEvent,
  type EventAutoMessage,
  type EventKind,
  type EventParty,
  type EventReaction,
  type EventReferral,
  type EventTemplate,
} from '../tiktok/events.js';
