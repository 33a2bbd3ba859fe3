import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { checkImageBytes, checkImageSize, checkText, codePointLength, loadImage, sniffImage, stripOneTrailingNewline } from '../../src/conversation/content.js';
import { IMAGE_MAX_BYTES } from '../../src/tiktok/limits.js';
import { jpegBytes, pngBytes } from '../helpers/images.js';

describe('text length', () => {
  it('counts code points, so an emoji is one character', () => {
    expect('💚'.length).toBe(2);
    expect(codePointLength('💚')).toBe(1);
    expect(codePointLength('é💚a')).toBe(3);
  });

  it('accepts 6000 characters and refuses 6001, counting astral characters once', () => {
    expect(checkText('a'.repeat(6000))).toBeUndefined();
    // 6000 emoji are 12000 UTF-16 units but 6000 characters for TikTok.
    expect(checkText('💚'.repeat(6000))).toBeUndefined();
    const tooLong = checkText('💚'.repeat(6001))!;
    expect(tooLong).toBeInstanceOf(CliError);
    expect(tooLong.exitCode).toBe(2);
    expect(tooLong.message).toContain('6001 characters');
    expect(tooLong.message).toContain('at most 6000');
  });

  it('refuses an empty text', () => {
    expect(checkText('')!.message).toMatch(/empty.*1 to 6000/);
    expect(checkText(' ')).toBeUndefined();
  });

  it('strips exactly one trailing newline from stdin', () => {
    expect(stripOneTrailingNewline('hi\n')).toBe('hi');
    expect(stripOneTrailingNewline('hi\n\n')).toBe('hi\n');
    expect(stripOneTrailingNewline('hi\r\n')).toBe('hi');
    expect(stripOneTrailingNewline('hi')).toBe('hi');
  });
});

describe('image checks', () => {
  it('sniffs PNG and JPEG by their magic bytes and names other files', () => {
    expect(sniffImage(pngBytes())).toMatchObject({ mime: 'image/png' });
    expect(sniffImage(jpegBytes())).toMatchObject({ mime: 'image/jpeg' });
    expect(sniffImage(new TextEncoder().encode('GIF89a....'))).toMatchObject({ mime: undefined, looksLike: 'a GIF image' });
    expect(sniffImage(new TextEncoder().encode('hello, this is text\n'))).toMatchObject({ mime: undefined, looksLike: 'a text file' });
    expect(sniffImage(new Uint8Array())).toMatchObject({ mime: undefined, looksLike: 'an empty file' });
  });

  it('accepts exactly 3 MB and refuses one byte more', () => {
    expect(checkImageSize(IMAGE_MAX_BYTES, 'a.png')).toBeUndefined();
    const tooBig = checkImageSize(IMAGE_MAX_BYTES + 1, 'a.png')!;
    expect(tooBig.exitCode).toBe(2);
    expect(tooBig.message).toContain('3,145,729 bytes');
    // One unit throughout: the limit is 3 × 1024 × 1024 bytes, so sizes are MiB, never a mix with MB.
    expect(tooBig.message).toContain('a.png is 3 MiB (3,145,729 bytes); TikTok accepts images up to 3 MiB (3,145,728 bytes)');
    expect(tooBig.message).not.toMatch(/\bMB\b/);
  });

  it('trusts content over the name: a PNG named .jpg is uploaded as .png, a text file named .png is refused', () => {
    const renamed = checkImageBytes(pngBytes(), '/tmp/photo.jpg');
    expect(renamed).not.toBeInstanceOf(CliError);
    expect(renamed).toMatchObject({ contentType: 'image/png', filename: 'photo.png', renamedFrom: 'photo.jpg' });

    const jpeg = checkImageBytes(jpegBytes(), 'receipt.JPEG');
    expect(jpeg).toMatchObject({ contentType: 'image/jpeg', filename: 'receipt.JPEG', renamedFrom: undefined });

    const text = checkImageBytes(new TextEncoder().encode('not an image at all\n'), 'fake.png') as CliError;
    expect(text).toBeInstanceOf(CliError);
    expect(text.exitCode).toBe(2);
    expect(text.message).toContain('fake.png is a text file');
    expect(text.message).toContain('JPG or PNG');
  });

  it('loads from disk with the size taken from stat, and explains a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ttc-content-'));
    const big = join(dir, 'big.png');
    writeFileSync(big, pngBytes(IMAGE_MAX_BYTES + 1));
    await expect(loadImage(big)).rejects.toMatchObject({ kind: 'validation', message: expect.stringContaining('up to 3 MiB') });
    const edge = join(dir, 'edge.png');
    writeFileSync(edge, pngBytes(IMAGE_MAX_BYTES));
    await expect(loadImage(edge)).resolves.toMatchObject({ size: IMAGE_MAX_BYTES, contentType: 'image/png' });
    await expect(loadImage(join(dir, 'nope.png'))).rejects.toMatchObject({ kind: 'validation', message: expect.stringContaining('does not exist') });
    await expect(loadImage(dir)).rejects.toMatchObject({ kind: 'validation', message: expect.stringContaining('is not a file') });
  });
});
