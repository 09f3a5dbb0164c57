import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The folders of src/ read as the data flows (README, "Layout"), and imports only go down that
 * flow: a folder imports folders of later layers, never one of its own layer or an earlier one,
 * so no two folders import each other. `domain` is last but one: it is pure and every layer may
 * use it (STYLE.md 12); the projections and adapters read the log, so they come before
 * `event-store`. A file at the top of src/ is a layer of its own.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['cli'],
  ['client'], // the voter's side of blind credentials (Node and the browser): the CLI imports it, the server never (the vote page serves its source to browsers as text)
  ['runtime'], // process wiring: opens the stores, builds the services, starts the app or worker
  ['api', 'worker'],
  ['commands', 'audit'],
  ['projections'],
  ['config.ts'], // the configuration schema; its network lists are the adapters'
  ['adapters'],
  ['event-store'],
  ['db'],
  ['testing'], // helpers of the specs (below), which import them from any folder
  ['domain'],
  ['operator-error.ts'],
];

/** Folders whose files are HTTP routes or resolvers: they reach `app.commands` and `app.queries`, never a store. */
const ROUTES = ['src/api/routes', 'src/api/live', 'src/api/graphql'];
const NOT_FOR_ROUTES = [/^src\/event-store\//, /^src\/db\//, /^src\/runtime\//, /^slonik$/, /^pg$/, /^ioredis$/];

const root = resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** What a file imports: project files as paths from the repository root, packages by name. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;'"]*?(?:from\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)]
    .map((m) => (m[1] ?? m[2])!);
  return specifiers.map((s) => (s.startsWith('.') ? relative(root, resolve(join(root, dirname(file)), s)) : s));
}

const layerOf = (path: string): number => {
  const top = path.split('/')[1]!;
  const index = LAYERS.findIndex((layer) => layer.includes(top));
  if (index === -1) throw new Error(`${path}: src/${top} is in no layer of this test: add it where the data flow puts it`);
  return index;
};

const files = sourceFiles('src');
const code = files.filter((f) => !f.endsWith('.spec.ts'));

describe('the direction of imports', () => {
  it('goes down the layers only: no folder imports its own layer or one above it', () => {
    const upward = code.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('src/') && target.split('/')[1] !== file.split('/')[1])
        .filter((target) => layerOf(target) <= layerOf(file))
        .map((target) => `${file} → ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it('keeps src/testing for specs', () => {
    const users = code.filter((f) => !f.startsWith('src/testing/')).filter((f) => importsOf(f).some((t) => t.startsWith('src/testing/')));
    expect(users).toEqual([]);
  });

  it('keeps routes off the event store, SQL and the process wiring', () => {
    const reached = code
      .filter((file) => ROUTES.some((dir) => file.startsWith(`${dir}/`)))
      .flatMap((file) => importsOf(file).filter((t) => NOT_FOR_ROUTES.some((rule) => rule.test(t))).map((t) => `${file} → ${t}`));
    expect(reached).toEqual([]);
  });

  it('reads the imports it judges', () => {
    expect(importsOf('src/api/app.ts')).toContain('src/api/plugins/commands.ts');
    expect(code.length).toBeGreaterThan(100);
  });
});
