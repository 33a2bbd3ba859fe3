// Build step (after tsc, run by build-help's main so `npm run build` needs no extra command): tsc only
// emits JavaScript, so the files that are not TypeScript (the sandbox phone's page) are copied from
// src/ to the same place under dist/, where `files: ["dist/"]` ships them.
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Folders under src/ copied whole to dist/. */
export const ASSET_DIRS = ['sandbox/phone'];

export function copyAssets(srcRoot: URL = new URL('../src/', import.meta.url), distRoot: URL = new URL('./', import.meta.url)): string[] {
  const copied: string[] = [];
  for (const dir of ASSET_DIRS) {
    const from = fileURLToPath(new URL(`${dir}/`, srcRoot));
    const to = fileURLToPath(new URL(`${dir}/`, distRoot));
    // A file deleted from src/ must not linger in dist/ (and so in the package).
    rmSync(to, { recursive: true, force: true });
    cpSync(from, to, { recursive: true });
    copied.push(...readdirSync(to).map((name) => `dist/${dir}/${name}`));
  }
  return copied;
}
