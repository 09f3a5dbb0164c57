import { v5 as uuidv5 } from 'uuid';
import { canonicalJson } from '../event-store/integrity/canonical-json.ts';
import type { EventStore } from '../event-store/port.ts';
import { withSchemaVersion } from '../event-store/schema-versions.ts';
import { keyIdOf, signMessage, verifyMessage, type SigningKey } from './signing.ts';

/**
 * Key rotation as a signed hand-over (README.md, "Key hand-overs"): the event
 * `AuditKeyHandedOver` in stream `auditkey-handovers`, in which the previous key signs the next
 * key's fingerprint and public key. An auditor who pinned a key follows the hand-overs from it,
 * so checkpoints signed before and after a rotation both verify, and a key nobody handed over to
 * is refused. Pure except `recordHandovers`.
 */
export const HANDOVER_EVENT = 'AuditKeyHandedOver';
export const HANDOVER_STREAM = 'auditkey-handovers';
const HANDOVER_FORMAT = 'pollster-key-handover/1';
const HANDOVER_NAMESPACE = '0d8f6c2e-3b5a-5c1d-9e7f-2a4b6c8d0e1f';

export interface KeyHandover {
  format: typeof HANDOVER_FORMAT;
  previousKeyId: string;
  previousPublicKey: string;
  keyId: string;
  publicKey: string;
  handedOverAt: string;
  /** Ed25519 by the previous key over "pollster-key-handover/1\n" + canonical JSON of the other fields. */
  signature: string;
}

export function buildHandover(previous: SigningKey, next: SigningKey, at: Date): KeyHandover {
  const body = { format: HANDOVER_FORMAT, previousKeyId: previous.keyId, previousPublicKey: previous.publicKey, keyId: next.keyId, publicKey: next.publicKey, handedOverAt: at.toISOString() } as const;
  return { ...body, signature: signMessage(previous, HANDOVER_FORMAT, canonicalJson(body)) };
}

export function asHandover(data: unknown): KeyHandover | undefined {
  const h = data as Partial<KeyHandover> | null;
  if (h === null || typeof h !== 'object' || h.format !== HANDOVER_FORMAT) return undefined;
  const fields = [h.previousKeyId, h.previousPublicKey, h.keyId, h.publicKey, h.handedOverAt, h.signature];
  return fields.every((f) => typeof f === 'string') ? (h as KeyHandover) : undefined;
}

/** Signed by the key it names as previous, and each key id is its public key's fingerprint. */
export function handoverValid(h: KeyHandover): boolean {
  const { signature, ...body } = h;
  return keyIdOf(h.previousPublicKey) === h.previousKeyId && keyIdOf(h.publicKey) === h.keyId && verifyMessage(h.previousPublicKey, HANDOVER_FORMAT, canonicalJson(body), signature);
}

/**
 * The keys an auditor who pinned `roots` (fingerprints) trusts, given the hand-overs in log
 * order: each valid hand-over from a trusted key adds the next key. An invalid or unchained one
 * adds nothing.
 */
export function keyChain(roots: Iterable<string>, handovers: Iterable<unknown>): Set<string> {
  const trusted = new Set([...roots].map((r) => r.toLowerCase()));
  const valid = [...handovers].map(asHandover).filter((h): h is KeyHandover => h !== undefined && handoverValid(h));
  // Repeat until nothing changes: a hand-over read before the one that makes its key trusted still counts.
  for (let grew = true; grew; ) {
    grew = false;
    for (const h of valid) {
      if (trusted.has(h.previousKeyId) && !trusted.has(h.keyId)) {
        trusted.add(h.keyId);
        grew = true;
      }
    }
  }
  return trusted;
}

/** A key, and every key that handed over to it (directly or not): what an installation vouches for. */
export function ancestors(keyId: string, handovers: Iterable<unknown>): Set<string> {
  const valid = [...handovers].map(asHandover).filter((h): h is KeyHandover => h !== undefined && handoverValid(h));
  const found = new Set([keyId]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const h of valid) {
      if (found.has(h.keyId) && !found.has(h.previousKeyId)) {
        found.add(h.previousKeyId);
        grew = true;
      }
    }
  }
  return found;
}

/** The hand-overs in the log, in log order (their data). */
export async function readHandovers(store: EventStore): Promise<unknown[]> {
  return (await store.readStream(HANDOVER_STREAM)).map((e) => e.stored?.data ?? e.data);
}

/**
 * Writes a hand-over for every pair of neighbouring keys of the ring that has none yet. Event ids
 * derive from the pair, so nodes starting at once write each hand-over once.
 */
export async function recordHandovers(store: EventStore, ring: readonly SigningKey[], now: Date): Promise<KeyHandover[]> {
  const known = new Set((await readHandovers(store)).map(asHandover).filter((h) => h !== undefined).map((h) => `${h.previousKeyId}>${h.keyId}`));
  const written: KeyHandover[] = [];
  for (let i = 1; i < ring.length; i++) {
    const [previous, next] = [ring[i - 1]!, ring[i]!];
    if (previous.keyId === next.keyId || known.has(`${previous.keyId}>${next.keyId}`)) continue;
    const handover = buildHandover(previous, next, now);
    await store.append(
      HANDOVER_STREAM,
      [{ id: uuidv5(`${previous.keyId}>${next.keyId}`, HANDOVER_NAMESPACE), type: HANDOVER_EVENT, data: handover, metadata: withSchemaVersion(HANDOVER_EVENT, { actor: 'system' }) }],
      'any',
    );
    written.push(handover);
  }
  return written;
}
