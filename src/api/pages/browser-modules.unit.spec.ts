import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BROWSER_MODULES } from './browser-modules.ts';

const importsOf = (text: string) => [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);

describe('the modules the vote page runs', () => {
  it('serves the blind-credential client stripped of its types, importing only what is served', () => {
    const client = BROWSER_MODULES.get('/assets/client/blind-credential.js')!.body;
    expect(client).toContain('export async function castWithCredential(');
    expect(client).not.toMatch(/\binterface\b|: Promise<|as CredentialKeyInfo/);
    for (const [path, { body }] of BROWSER_MODULES) {
      for (const target of importsOf(body)) expect(BROWSER_MODULES.has(target), `${path} imports ${target}`).toBe(true);
    }
  });

  it('has every module the page scripts import', () => {
    const page = readFileSync(new URL('./assets/vote-blind.js', import.meta.url), 'utf8');
    const targets = importsOf(page);
    expect(targets).toContain('/assets/client/blind-credential.js');
    for (const target of targets) expect(BROWSER_MODULES.has(target), target).toBe(true);
  });
});
