// TikTok's Comment-to-Message switch (tiktok-api.md §4, medium-low confidence: the Go SDK's models,
// ChatbotX's schema; convopost calls the update): per account, whether high-intent comments reach it
// (and so can be answered with a direct reply). Off for a new account here; TikTok does not document
// the initial state.
import { REQUIRED_SCOPES } from '../tiktok/limits.js';
import { authenticate } from './auth.js';
import { ApiError, CODE, type Params, type World } from './world.js';

const DIRECT_REPLY_TYPE = 'COMMENT_TO_MESSAGE';

function checkType(params: Params): void {
  if (params.direct_reply_type !== DIRECT_REPLY_TYPE) {
    throw new ApiError(CODE.INVALID_PARAM, `direct_reply_type must be "${DIRECT_REPLY_TYPE}" (got ${JSON.stringify(params.direct_reply_type ?? null)}).`);
  }
}

/** POST business/message/direct_reply/update/ → the envelope only. */
export function updateDirectReply(world: World, accessToken: string | undefined, body: Params, authorizationHeader = false) {
  const { account } = authenticate(world, accessToken, body.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
  checkType(body);
  const status = body.operation_status;
  if (status !== 'ENABLE' && status !== 'DISABLE') {
    throw new ApiError(CODE.INVALID_PARAM, `operation_status must be "ENABLE" or "DISABLE" (got ${JSON.stringify(status ?? null)}).`);
  }
  account.comment_to_message = status === 'ENABLE';
  return {};
}

/** GET business/message/direct_reply/get/ → {business_id, direct_reply_type, operation_status}. */
export function getDirectReply(world: World, accessToken: string | undefined, params: Params, authorizationHeader = false) {
  const { account } = authenticate(world, accessToken, params.business_id, { scopes: REQUIRED_SCOPES, messaging: true, authorizationHeader });
  checkType(params);
  return { business_id: account.business_id, direct_reply_type: DIRECT_REPLY_TYPE, operation_status: account.comment_to_message ? 'ENABLE' : 'DISABLE' };
}
