// Tokens and secrets never reach output or logs: everything traced goes through here first.

const SECRET_QUERY_KEYS = /^(secret|client_secret|access_token|refresh_token|auth_code|code|code_verifier)$/i;
const SECRET_HEADER_KEYS = /^(access-token|authorization|x-user|cookie|set-cookie)$/i;
const SECRET_BODY_KEYS = /^(secret|client_secret|access_token|refresh_token|auth_code|code_verifier)$/i;

/** Keeps a recognisable prefix (act., rft.) so people can tell tokens apart, hides the rest. */
export function maskToken(token: string | undefined | null): string {
  if (!token) return '';
  const dot = token.indexOf('.');
  const prefix = dot > 0 && dot <= 4 ? token.slice(0, dot + 1) : '';
  return `${prefix}****`;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    for (const key of [...parsed.searchParams.keys()]) {
      if (SECRET_QUERY_KEYS.test(key)) parsed.searchParams.set(key, '****');
    }
    return parsed.toString();
  } catch {
    return url.replace(/([?&](?:secret|client_secret|access_token|refresh_token|code)=)[^&]*/gi, '$1****');
  }
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) copy[key] = SECRET_HEADER_KEYS.test(key) ? '****' : value;
  return copy;
}

/** Deep copy of a JSON value with secret-named fields masked. */
export function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      copy[key] = SECRET_BODY_KEYS.test(key) && typeof inner === 'string' ? maskToken(inner) : redactJson(inner);
    }
    return copy;
  }
  return value;
}

/** Last line of defence for free text (error messages echoing a token). */
export function redactText(text: string, secrets: Array<string | undefined>): string {
  let result = text.replace(/\b(act|rft)\.[A-Za-z0-9._\-~+/=]{6,}/g, '$1.****');
  for (const secret of secrets) {
    if (secret && secret.length >= 6) result = result.split(secret).join('****');
  }
  return result;
}
