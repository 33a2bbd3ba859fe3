// The shared argv check: which bytes are UTF-8 (agreeing with a fatal TextDecoder), the option named in
// the refusal, and the U+FFFD fallback where the raw bytes are not available.
import { describe, expect, it } from 'vitest';
import { argumentEncodingError, firstInvalidUtf8Byte } from '../../src/io/argv.js';

describe('firstInvalidUtf8Byte', () => {
  it('agrees with a fatal TextDecoder on valid text, overlongs, surrogates, truncation and stray bytes', () => {
    const cases = [
      [0x61, 0x62],
      [0xc3, 0xa9],
      [0xe2, 0x82, 0xac],
      [0xf0, 0x9f, 0x98, 0x80],
      [0xc0, 0xaf],
      [0xe0, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
      [0x61, 0xff, 0xfe],
      [0x80],
      [0xef, 0xbf, 0xbd],
    ];
    for (const bytes of cases) {
      const array = Uint8Array.from(bytes);
      let valid = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(array);
      } catch {
        valid = false;
      }
      expect(firstInvalidUtf8Byte(array) === undefined, bytes.map((b) => b.toString(16)).join(' ')).toBe(valid);
    }
    expect(firstInvalidUtf8Byte(Uint8Array.from([0x6f, 0x6b, 0x20, 0xff, 0xfe]))).toBe(3);
  });
});

describe('argumentEncodingError', () => {
  it('with the raw bytes: names the option and the byte; a real U+FFFD passes', () => {
    const args = ['send', '--text', 'ok \uFFFD\uFFFD'];
    const raw = [Buffer.from('send'), Buffer.from('--text'), Buffer.from([0x6f, 0x6b, 0x20, 0xff, 0xfe])];
    const error = argumentEncodingError(args, raw);
    expect(error).toMatchObject({ kind: 'usage', exitCode: 2 });
    expect(error!.message).toBe('The value of --text is not valid UTF-8 (byte 4 of 5): it would be read as U+FFFD (\uFFFD).');
    expect(argumentEncodingError(['send', '--text', 'ok \uFFFD'], [Buffer.from('send'), Buffer.from('--text'), Buffer.from('ok \uFFFD')])).toBeUndefined();
  });

  it('without them (in-process, other systems): a U+FFFD is the signal; positional arguments are named by position', () => {
    expect(argumentEncodingError(['messages', 'conv\uFFFD'], undefined)?.message).toContain('Argument 2 is not valid UTF-8: it would be read');
    expect(argumentEncodingError(['qr', '--message=caf\uFFFD'], undefined)?.message).toContain('The value of --message is not valid UTF-8');
    expect(argumentEncodingError(['send', '--text', 'plain café'], undefined)).toBeUndefined();
  });
});
