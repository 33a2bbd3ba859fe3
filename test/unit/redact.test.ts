import { describe, expect, it } from 'vitest';
import { maskToken, redactHeaders, redactJson, redactText, redactUrl } from '../../src/http/redact.js';

describe('redaction', () => {
  it('masks tokens but keeps their kind', () => {
    expect(maskToken('act.abcdef123456')).toBe('act.****');
    expect(maskToken('rft.abcdef123456')).toBe('rft.****');
    expect(maskToken('plainsecret')).toBe('****');
    expect(maskToken(undefined)).toBe('');
  });

  it('hides secrets in query strings, headers and JSON bodies', () => {
    const url = redactUrl('https://h/business/webhook/list/?app_id=a&secret=s3cr3t&event_type=DIRECT_MESSAGE');
    expect(url).not.toContain('s3cr3t');
    expect(url).toContain('app_id=a');
    expect(redactHeaders({ 'access-token': 'act.x', accept: 'application/json' })).toEqual({ 'access-token': '****', accept: 'application/json' });
    expect(redactJson({ client_secret: 'shh', nested: { refresh_token: 'rft.abc' }, keep: 'me' })).toEqual({
      client_secret: '****',
      nested: { refresh_token: 'rft.****' },
      keep: 'me',
    });
  });

  it('scrubs token-looking strings and known secrets from free text', () => {
    expect(redactText('token act.AbCdEf123456 failed', [])).toBe('token act.**** failed');
    expect(redactText('secret=mysecretvalue', ['mysecretvalue'])).toBe('secret=****');
  });
});
