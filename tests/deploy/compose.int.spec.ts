import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docker-compose.yml as Docker Compose reads it (`docker compose config`, which needs no engine):
 * pinned images, health checks that gate start-up, no store ports on the host, KurrentDB only
 * with its profile. Development machines may have only the docker client; then this file skips.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STORES = ['postgres', 'redis', 'nats', 'kurrentdb'];
const APPS = ['pollster', 'edge'];

function compose(args: string[], env: Record<string, string | undefined> = {}) {
  const merged = { ...process.env, ...env };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return spawnSync('docker', ['compose', ...args], { cwd: ROOT, env: merged, encoding: 'utf8', timeout: 30_000 });
}

const probe = compose(['version']);
const missing = probe.status === 0 ? undefined : (probe.error?.message ?? probe.stderr.trim().split('\n')[0] ?? `exit ${probe.status}`);
if (missing) console.log(`tests/deploy/compose.int.spec.ts skipped: \`docker compose\` is not available here (${missing})`);

interface Service {
  image?: string;
  profiles?: string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
  ports?: Array<{ published?: string | number; target?: number } | string>;
  environment?: Record<string, string | null>;
  volumes?: Array<{ type?: string; source?: string; target?: string } | string>;
}

/** The project as compose resolves it: profiles applied, variables interpolated. */
function config(options: { profile?: string; files?: string[]; env?: Record<string, string | undefined> } = {}): Record<string, Service> {
  const files = (options.files ?? ['docker-compose.yml']).flatMap((f) => ['-f', f]);
  const profile = options.profile ? ['--profile', options.profile] : [];
  const ran = compose([...files, ...profile, 'config', '--format', 'json'], { EVENT_STORE: undefined, ...options.env });
  if (ran.status !== 0) throw new Error(`docker compose config failed: ${ran.stderr}`);
  return (JSON.parse(ran.stdout) as { services: Record<string, Service> }).services;
}

const published = (service: Service) => (service.ports ?? []).map((p) => (typeof p === 'string' ? p : String(p.published ?? '')));
const dependencies = (service: Service) =>
  Array.isArray(service.depends_on)
    ? service.depends_on.map((name) => [name, 'service_started'] as const)
    : Object.entries(service.depends_on ?? {}).map(([name, d]) => [name, d.condition ?? 'service_started'] as const);

/** A version, not a moving name: `17.6`, `2.10.29-alpine`, `25.1.0`; never `latest` or no tag. */
const VERSION_TAG = /:\d+\.\d+[\w.-]*$/;

describe('docker-compose.yml', () => {
  it.skipIf(missing)('pins every image to a version, the Dockerfile base too', () => {
    const services = config({ profile: 'eventstoredb' });
    for (const [name, service] of Object.entries(services)) {
      if (APPS.includes(name)) continue; // built from the Dockerfile
      expect(service.image, name).toMatch(VERSION_TAG);
    }
    const bases = readFileSync(`${ROOT}/Dockerfile`, 'utf8').match(/^FROM\s+\S+/gm) ?? [];
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(VERSION_TAG);
  });

  it.skipIf(missing)('gives every service a health check, and starts the apps only on healthy dependencies', () => {
    const services = config({ profile: 'eventstoredb' });
    expect(Object.keys(services).sort()).toEqual([...APPS, ...STORES].sort());
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(0);
    }
    for (const app of APPS) {
      const deps = dependencies(services[app]!);
      expect(deps.length, app).toBeGreaterThan(0);
      for (const [dep, condition] of deps) expect(`${app} -> ${dep}: ${condition}`).toBe(`${app} -> ${dep}: service_healthy`);
    }
    expect(dependencies(services.pollster!).map(([dep]) => dep).sort()).toEqual(STORES.slice().sort());
  });

  it.skipIf(missing)('publishes only the API and the edge on the host; the ports file adds the stores on loopback', () => {
    const services = config({ profile: 'eventstoredb' });
    for (const store of STORES) expect(published(services[store]!), store).toEqual([]);
    expect(published(services.pollster!)).toEqual(['3000']);
    expect(published(services.edge!)).toEqual(['3001']);

    const exposed = config({ profile: 'eventstoredb', files: ['docker-compose.yml', 'docker-compose.ports.yml'] });
    for (const store of STORES) expect(published(exposed[store]!).length, store).toBeGreaterThan(0);
  });

  it.skipIf(missing)('runs KurrentDB only with the eventstoredb profile, and EVENT_STORE picks the adapter', () => {
    const plain = config();
    expect(Object.keys(plain)).not.toContain('kurrentdb');
    expect(plain.pollster!.environment?.EVENT_STORE).toBe('postgres');

    const withKurrent = config({ profile: 'eventstoredb', env: { EVENT_STORE: 'eventstoredb' } });
    expect(withKurrent.kurrentdb!.profiles).toEqual(['eventstoredb']);
    for (const app of APPS) expect(withKurrent[app]!.environment?.EVENT_STORE, app).toBe('eventstoredb');
  });

  it.skipIf(missing)('keeps the data folder on a volume, in the folder the image gives its user', () => {
    const { pollster } = config();
    const dataDir = pollster!.environment?.POLLSTER_DATA_DIR;
    expect(dataDir).toBeTruthy();
    const mounts = (pollster!.volumes ?? []).map((v) => (typeof v === 'string' ? { type: 'volume', target: v.split(':')[1] } : v));
    expect(mounts).toContainEqual(expect.objectContaining({ type: 'volume', target: dataDir }));
    const dockerfile = readFileSync(`${ROOT}/Dockerfile`, 'utf8');
    expect(dockerfile).toMatch(new RegExp(`chown -R node:node ${dataDir}\\b`));
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
