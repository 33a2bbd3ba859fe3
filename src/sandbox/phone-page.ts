// The sandbox phone's page: plain files in ./phone/ (phone.html, phone.css, the scripts, icon.svg), no
// framework, nothing loaded from elsewhere; the build copies them next to this module in dist/. The page
// is static: everything dynamic arrives as JSON (phone.ts) and enters the DOM through textContent and
// setAttribute only, so nothing a user types (a username, a message) is ever parsed as HTML.
//
// The CSP admits exactly one script and one style by their SHA-256 hashes. The script (PHONE_SCRIPTS
// joined in order) is served as its own file, text/javascript, with an integrity attribute, which lets a
// hash admit it; the style is put inline, because Chromium lets a hash admit an inline style but never an
// external stylesheet, and 'self' would admit any stylesheet this origin serves.
//
// Stable hooks (cli-contract.md "Sandbox phone"): chat-link, open-chat, composer, send, message (with
// data-direction in|out), card-button, typing. More for tests and users' scripts: user-select,
// new-username, new-display-name, new-region, new-follower, create-user, follower, business-select,
// window, image-file, sticker, post-select, share-post, mark-read, react-open, react, quote, referral,
// setup-toggle, tools-toggle, notice, status.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the page's script is served (phone.ts routes `GET phone.js` here). */
export const PHONE_SCRIPT_PATH = '/sandbox/phone/phone.js';
/** The script's source files, joined in this order: the thread first, then the page script that uses it. */
export const PHONE_SCRIPTS = ['phone-thread.js', 'phone.js'];

export interface PhonePage {
  html: string;
  script: string;
  icon: string;
  csp: string;
}

const STYLE_TAG = '<link rel="stylesheet" href="phone.css">';
const SCRIPT_TAG = '<script src="phone.js"></script>';

const sha256 = (text: string) => `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;

// The assets sit in dist/sandbox/phone/: beside this module as tsc compiles it, one level up and over
// from the CLI's bundled chunks (dist/chunks/).
const ASSET_DIRS = [new URL('./phone/', import.meta.url), new URL('../sandbox/phone/', import.meta.url)];

function asset(name: string): string {
  for (const dir of ASSET_DIRS) {
    try {
      return readFileSync(new URL(name, dir), 'utf8');
    } catch {
      // try the next layout
    }
  }
  throw new Error(
    `The phone page's ${name} is missing from ${fileURLToPath(ASSET_DIRS[0]!)}: rebuild with \`npm run build\`, which copies src/sandbox/phone/ there.`,
  );
}

/**
 * phone.html links phone.css and phone.js as a browser opening the file directly would load them; served,
 * the style goes inline and the script gets its absolute path and integrity hash. Two exact string swaps,
 * each required once; the style must not be able to close its own tag.
 */
export function buildPhonePage(files: { html: string; css: string; script: string; icon: string }): PhonePage {
  const { html, css, script } = files;
  for (const tag of [STYLE_TAG, SCRIPT_TAG]) {
    if (html.split(tag).length !== 2) throw new Error(`phone.html must contain ${tag} exactly once.`);
  }
  if (/<\/style/i.test(css)) throw new Error('phone.css must not contain "</style".');
  const page = html
    .replace(STYLE_TAG, () => `<style>${css}</style>`)
    .replace(SCRIPT_TAG, () => `<script src="${PHONE_SCRIPT_PATH}" integrity="${sha256(script)}"></script>`);
  const csp = [
    "default-src 'none'",
    `script-src '${sha256(script)}'`,
    `style-src '${sha256(css)}'`,
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html: page, script, icon: files.icon, csp };
}

let loaded: PhonePage | undefined;

/** The page, read from its files on first use (a sandbox that never shows the phone never reads them). */
export function phonePage(): PhonePage {
  loaded ??= buildPhonePage({ html: asset('phone.html'), css: asset('phone.css'), script: PHONE_SCRIPTS.map(asset).join('\n'), icon: asset('icon.svg') });
  return loaded;
}
