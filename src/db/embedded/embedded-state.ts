import { readFile, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { EmbeddedDatabaseError } from './errors.ts';

/**
 * What the data folder remembers about its cluster: where it lives and the port it listens on,
 * so a restart keeps the port, and operator commands find the cluster of a running server.
 */
export interface EmbeddedState {
  port: number;
  clusterDir: string;
}

const FILE = 'embedded.json';

export async function readState(dataDir: string): Promise<EmbeddedState | undefined> {
  const text = await readFile(join(dataDir, FILE), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const state = JSON.parse(text) as Partial<EmbeddedState>;
    return Number.isInteger(state.port) && typeof state.clusterDir === 'string' ? (state as EmbeddedState) : undefined;
  } catch {
    return undefined;
  }
}

export async function writeState(dataDir: string, state: EmbeddedState): Promise<void> {
  const path = join(dataDir, FILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

const PREFERRED_PORT = 54329;

/**
 * EMBEDDED_PG_PORT when set (and refused at once when another program holds it); otherwise
 * the remembered port, the customary 54329, or any port the system hands out, whichever is free.
 */
export async function choosePort(requested: number | undefined, remembered: number | undefined): Promise<number> {
  if (requested !== undefined) {
    if (await isFree(requested)) return requested;
    throw new EmbeddedDatabaseError(
      `EMBEDDED_PG_PORT=${requested}: 127.0.0.1:${requested} is in use by another program; ` +
        'free it, choose another port, or unset EMBEDDED_PG_PORT to let Pollster choose one',
    );
  }
  for (const candidate of [remembered, PREFERRED_PORT]) {
    if (candidate !== undefined && (await isFree(candidate))) return candidate;
  }
  return listenOn(0);
}

async function isFree(port: number): Promise<boolean> {
  return listenOn(port).then(() => true, () => false);
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}
