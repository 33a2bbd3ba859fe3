// The phone page's files ship: the build copies src/sandbox/phone/ into dist/, `npm pack` carries them
// (files: ["dist/"]), and the built module serves the page from them.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

describe('the phone page in the package', () => {
  it('every file of src/sandbox/phone/ is packed under dist/sandbox/phone/, and the built page is served from them', async () => {
    const sources = readdirSync(join(ROOT, 'src/sandbox/phone')).sort();
    expect(sources).toEqual(expect.arrayContaining(['phone.css', 'phone.html', 'phone.js']));
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }));
    const files: string[] = packed[0].files.map((file: { path: string }) => file.path);
    expect(files.filter((file) => file.startsWith('dist/sandbox/phone/')).sort()).toEqual(sources.map((name) => `dist/sandbox/phone/${name}`));

    const built = (await import(pathToFileURL(join(ROOT, 'dist/sandbox/phone-page.js')).href)) as typeof import('../../src/sandbox/phone-page.js');
    const page = built.phonePage();
    for (const hook of ['chat-link', 'open-chat', 'composer', 'send', 'typing']) expect(page.html).toContain(`data-testid="${hook}"`);
    expect(page.html).toContain('<script src="/sandbox/phone/phone.js" integrity="sha256-');
    // Both script files, the thread first: phone.js uses what phone-thread.js defines.
    expect(page.script.indexOf('window.phoneThread = function')).toBeGreaterThan(-1);
    expect(page.script.indexOf('window.phoneThread = function')).toBeLessThan(page.script.indexOf("var BASE = '/sandbox/phone';"));
  }, 60_000);
});
