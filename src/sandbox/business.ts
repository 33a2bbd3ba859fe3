// The account (tiktok-api.md §3): GET business/get/ with its JSON-array `fields`, and the expiring
// profile-image URLs content/list reuses for participants.
import { authenticate } from './auth.js';
import { ApiError, CODE, parseJsonArray, type Params, type World } from './world.js';

export const BUSINESS_FIELDS = [
  'username',
  'display_name',
  'profile_image',
  'is_business_account',
  'is_verified',
  'profile_deep_link',
  'bio_description',
  'followers_count',
  'following_count',
  'total_likes',
  'videos_count',
] as const;
const DEFAULT_BUSINESS_FIELDS = ['username', 'display_name', 'profile_image'];

/** A CDN-like URL that expires a day from now, like TikTok's. */
export function profileImage(world: World, username: string): string {
  const expires = Math.floor(world.now() / 1000) + 86_400;
  return `https://p16-sign.tiktokcdn-us.com/tos-sandbox-avt/${encodeURIComponent(username)}~c5_168x168.jpeg?x-expires=${expires}&x-signature=sandbox`;
}

/** GET business/get/ */
export function getBusiness(world: World, accessToken: string | undefined, params: Params, authorizationHeader = false) {
  const { account } = authenticate(world, accessToken, params.business_id, { scopes: ['user.info.basic'], messaging: false, authorizationHeader });
  const fields = params.fields === undefined ? DEFAULT_BUSINESS_FIELDS : parseJsonArray(params.fields, 'fields', '["username","display_name"]');
  const unknown = fields.filter((f) => !(BUSINESS_FIELDS as readonly string[]).includes(f));
  if (unknown.length) throw new ApiError(CODE.INVALID_PARAM, `Unknown field(s) in fields: ${unknown.join(', ')}. Known: ${BUSINESS_FIELDS.join(', ')}.`);
  const all: Record<string, unknown> = {
    username: account.username,
    display_name: account.display_name,
    profile_image: profileImage(world, account.username),
    is_business_account: account.account_type === 'business',
    is_verified: account.is_verified,
    profile_deep_link: `https://www.tiktok.com/@${account.username}`,
    bio_description: account.bio_description,
    followers_count: account.followers_count,
    following_count: account.following_count,
    total_likes: account.total_likes,
    videos_count: account.videos_count,
  };
  return Object.fromEntries(fields.map((f) => [f, all[f]]));
}
