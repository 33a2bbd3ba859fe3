import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { buildChatLink, containsUrl } from '../../src/conversation/chat-link.js';
import { mapLimit } from '../../src/conversation/lookup.js';
import { pngBytes } from '../helpers/images.js';

describe('chat link', () => {
  it('matches the reference example: ref then message, spaces as %20', () => {
    expect(buildChatLink('acme', { ref: 'spring', message: 'Hi there' })).toBe('https://tiktok.me/acme?ref=spring&message=Hi%20there');
    expect(buildChatLink('acme', { message: 'Hi there', ref: 'spring' })).toBe('https://tiktok.me/acme?ref=spring&message=Hi%20there');
  });

  it('is the bare link without options, and drops a leading @', () => {
    expect(buildChatLink('@acme.studio')).toBe('https://tiktok.me/acme.studio');
  });

  it('percent-encodes what would break the query', () => {
    expect(buildChatLink('acme', { ref: 'shop #3 & more', message: 'Größe M? 50% off+tax=ok 💚' })).toBe(
      'https://tiktok.me/acme?ref=shop%20%233%20%26%20more&message=Gr%C3%B6%C3%9Fe%20M%3F%2050%25%20off%2Btax%3Dok%20%F0%9F%92%9A',
    );
    const parsed = new URL(buildChatLink('acme', { ref: 'a&b=c', message: 'x+y' }));
    expect(parsed.searchParams.get('ref')).toBe('a&b=c');
    expect(parsed.searchParams.get('message')).toBe('x+y');
  });
});

describe('containsUrl', () => {
  it('spots links people would expect to tap', () => {
    expect(containsUrl('See https://acme.example/sizes')).toBe(true);
    expect(containsUrl('www.acme.shop')).toBe(true);
    expect(containsUrl('order at acme.com!')).toBe(true);
    expect(containsUrl('Hi! Is the hoodie in stock?')).toBe(false);
    expect(containsUrl('Size M. Thanks')).toBe(false);
  });
});

describe('mapLimit', () => {
  it('keeps at most N in flight and the input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const result = await mapLimit([5, 1, 4, 2, 3, 1, 2], 3, async (value) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, value * 3));
      inFlight--;
      return value * 10;
    });
    expect(result).toEqual([50, 10, 40, 20, 30, 10, 20]);
    expect(peak).toBe(3);
  });

  it('fails with the first error and starts nothing after it', async () => {
    const started: number[] = [];
    await expect(
      mapLimit([1, 2, 3, 4, 5], 1, async (value) => {
        started.push(value);
        if (value === 2) throw new Error('boom');
        return value;
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });
});

describe('test images', () => {
  it('pads a PNG to an exact size and it still decodes', () => {
    const bytes = pngBytes(10_000);
    expect(bytes.length).toBe(10_000);
    const decoded = PNG.sync.read(Buffer.from(bytes));
    expect([decoded.width, decoded.height]).toEqual([2, 2]);
  });
});
