import { readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';

/**
 * ES modules the vote page runs that are not written for the pages alone: the voter's side of
 * blind credentials (src/client, shared with the CLI) and the library it signs with. There is no
 * build step, so the TypeScript sources are stripped of their types here, once at start, and
 * their imports pointed at the paths below: the browser runs the very code the CLI and the tests
 * run, with no second copy to drift. Served from this server like the ALTCHA widget (no
 * third-party requests, `script-src 'self'`).
 */
const CLIENT_SOURCES: Record<string, URL> = {
  '/assets/client/blind-credential.js': new URL('../../client/blind-credential.ts', import.meta.url),
  '/assets/client/credential-message.js': new URL('../../domain/credential/message.ts', import.meta.url),
};

/** @cloudflare/blindrsa-ts is plain ESM with relative imports only: its files, served as they are. */
const BLINDRSA_ENTRY = new URL(import.meta.resolve('@cloudflare/blindrsa-ts'));
const BLINDRSA_FILES = ['index.js', 'blindrsa.js', 'partially_blindrsa.js', 'prime.js', 'util.js', 'sjcl/index.js'];
const BLINDRSA_PATH = '/assets/vendor/blindrsa-ts/';

const IMPORT = /(\bimport\s[^'"]*?\bfrom\s*|\bexport\s[^'"]*?\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"]+)\2/g;
// Source maps are not served, and a browser asks for them only with its developer tools open.
const SOURCE_MAP = /^\/\/# sourceMappingURL=.*$/m;

export interface BrowserModule {
  body: string;
  type: string;
}

function load(): Map<string, BrowserModule> {
  const servedAt = new Map<string, string>();
  for (const [path, source] of Object.entries(CLIENT_SOURCES)) servedAt.set(source.href, path);
  for (const file of BLINDRSA_FILES) servedAt.set(new URL(file, BLINDRSA_ENTRY).href, `${BLINDRSA_PATH}${file}`);
  const modules = new Map<string, BrowserModule>();
  for (const [href, path] of servedAt) {
    const source = new URL(href);
    let text = readFileSync(source, 'utf8');
    if (source.pathname.endsWith('.ts')) text = strip(text);
    // Every import must land on a module served here, or the page would fail in the browser only.
    text = text.replace(IMPORT, (_all, head: string, quote: string, specifier: string) => {
      const target = specifier.startsWith('.') ? new URL(specifier, source).href : import.meta.resolve(specifier);
      const served = servedAt.get(target);
      if (!served) throw new Error(`${source.pathname} imports ${specifier}, which src/api/pages/browser-modules.ts does not serve to browsers: add it there`);
      return `${head}${quote}${served}${quote}`;
    });
    modules.set(path, { body: text.replace(SOURCE_MAP, ''), type: 'text/javascript; charset=utf-8' });
  }
  return modules;
}

/**
 * Node's own type stripper (the one that runs our .ts files) warns that its API is experimental
 * on first use; that warning says nothing to an operator, so it alone is held back.
 */
function strip(text: string): string {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: any[]) => {
    const message = typeof warning === 'string' ? warning : warning.message;
    if (message.includes('stripTypeScriptTypes')) return;
    (emitWarning as any).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return stripTypeScriptTypes(text, { mode: 'strip' });
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** By URL path; read at start, so a missing or unservable import stops the server, not a voter. */
export const BROWSER_MODULES: ReadonlyMap<string, BrowserModule> = load();
