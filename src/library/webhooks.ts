// `tiktok-channel/webhooks`: TikTok webhook verification and decoding for any server (node:http,
// Express, Fastify, a Next.js route, a Lambda). The very code `tail` runs, re-exported; nothing here
// loads the CLI or a web framework.
export {
  checkSignature,
  constructEvent,
  signPayload,
  verifySignature,
  WebhookSignatureError,
  type CheckSignatureResult,
  type SignatureFailure,
  type VerifySignatureInput,
} from '../tiktok/signature.js';
// In every build, Node's too: the Web Crypto pair.
export { checkSignatureAsync, constructEventAsync, verifySignatureAsync } from '../tiktok/signature-web.js';
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
