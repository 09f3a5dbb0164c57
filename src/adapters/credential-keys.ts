import {
  constants, createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPair,
  privateDecrypt, publicEncrypt, randomBytes, type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { CREDENTIAL_SUITE, type CredentialKey } from '../domain/poll/credential-key.ts';
import type { PollDefinition } from '../domain/poll/definition.ts';
import { ValidationError } from '../domain/shared/errors.ts';
import { pollKey, type VoterKeyring } from './voter-keys.ts';

/** RFC 9474 allows 2048, 3072 or 4096; a poll's key signs for weeks, not decades (README). */
const MODULUS_BITS = 2048;
const generate = promisify(generateKeyPair);

/** Signs blinded messages with one poll's private key; see `CredentialKeys.signer`. */
export interface CredentialSigner {
  /** 422 `credential.invalid-blinded-message` unless `blinded` is an integer below the modulus, of its length. */
  check(blinded: Uint8Array): void;
  blindSign(blinded: Uint8Array): Buffer;
}

const row = z.object({ voter_key_id: z.string(), public_key: z.string(), sealed_private_key: z.string() });

/**
 * The key pairs of blind polls (migration 020). Made with `generateKeyPair` (OpenSSL, off the
 * event loop), the private half sealed with AES-256-GCM under a key derived from the poll's
 * voter key (outside the database), so a dump holds no key that signs, and every API node holding
 * the key ring can unseal it. Signing is RSASP1 through OpenSSL (`privateDecrypt` without
 * padding, which is exactly m^d mod n, with CRT and blinding); the pure-JS signer of the RFC 9474
 * library takes a second of event loop per signature. The client side and verification use the
 * library (WebCrypto).
 */
export class CredentialKeys {
  readonly #sql: DatabasePool;
  readonly #keys: VoterKeyring;
  readonly #signers = new Map<string, Promise<CredentialSigner>>();

  constructor(pool: DatabasePool, keys: VoterKeyring) {
    this.#sql = pool;
    this.#keys = keys;
  }

  /** The poll's key, made once: a retried CreatePoll (same poll id) gets the same key back. */
  async create(pollId: string, voterKeyId: string | undefined): Promise<CredentialKey> {
    const existing = await this.#row(pollId);
    if (existing) return credentialKeyOf(existing.public_key);
    const { publicKey, privateKey } = await generate('rsa', { modulusLength: MODULUS_BITS, publicExponent: 0x10001 });
    const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64url');
    const keyId = voterKeyId ?? this.#keys.base;
    const sealed = this.#seal(pollId, keyId, privateKey.export({ type: 'pkcs8', format: 'der' }));
    await this.#sql.query(sql.unsafe`
      INSERT INTO credential_signing_keys (poll_id, voter_key_id, public_key, sealed_private_key)
      VALUES (${pollId}, ${keyId}, ${spki}, ${sealed}) ON CONFLICT (poll_id) DO NOTHING`);
    const stored = await this.#row(pollId);
    if (!stored) throw new Error(`the credential key of poll ${pollId} was not stored`);
    return credentialKeyOf(stored.public_key);
  }

  /** The signer of a blind poll; only for the key its PollCreated names (a swapped row signs nothing). */
  signer(poll: PollDefinition): Promise<CredentialSigner> {
    let signer = this.#signers.get(poll.pollId);
    if (!signer) {
      signer = this.#loadSigner(poll);
      signer.catch(() => this.#signers.delete(poll.pollId));
      this.#signers.set(poll.pollId, signer);
    }
    return signer;
  }

  async #loadSigner(poll: PollDefinition): Promise<CredentialSigner> {
    const stored = await this.#row(poll.pollId);
    if (!stored || !poll.credentialKey || stored.public_key !== poll.credentialKey.publicKey) {
      throw new Error(`poll ${poll.pollId}: the stored credential key is missing or is not the one its PollCreated names; refusing to sign`);
    }
    const privateKey = createPrivateKey({ key: this.#unseal(poll.pollId, stored.voter_key_id, stored.sealed_private_key), format: 'der', type: 'pkcs8' });
    const publicKey = createPublicKey({ key: Buffer.from(stored.public_key, 'base64url'), format: 'der', type: 'spki' });
    return rawSigner(privateKey, publicKey);
  }

  async #row(pollId: string) {
    return this.#sql.maybeOne(sql.type(row)`
      SELECT voter_key_id, public_key, sealed_private_key FROM credential_signing_keys WHERE poll_id = ${pollId}`);
  }

  #sealingKey(pollId: string, voterKeyId: string): Buffer {
    // A label of its own under the poll key: equal to nothing else derived from it (voter keys, user-agent hashes).
    return createHmac('sha256', pollKey(this.#keys, { pollId, voterKeyId })).update('credential-signing-key').digest();
  }

  #seal(pollId: string, voterKeyId: string, secret: Buffer): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#sealingKey(pollId, voterKeyId), iv).setAAD(Buffer.from(`poll:${pollId}`));
    return Buffer.concat([iv, cipher.update(secret), cipher.final(), cipher.getAuthTag()]).toString('base64url');
  }

  #unseal(pollId: string, voterKeyId: string, sealed: string): Buffer {
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.#sealingKey(pollId, voterKeyId), bytes.subarray(0, 12))
      .setAAD(Buffer.from(`poll:${pollId}`))
      .setAuthTag(bytes.subarray(-16));
    return Buffer.concat([decipher.update(bytes.subarray(12, -16)), decipher.final()]);
  }
}

export function credentialKeyOf(spki: string): CredentialKey {
  return { suite: CREDENTIAL_SUITE, publicKey: spki, fingerprint: createHash('sha256').update(Buffer.from(spki, 'base64url')).digest('hex') };
}

function rawSigner(privateKey: KeyObject, publicKey: KeyObject): CredentialSigner {
  const modulus = Buffer.from(publicKey.export({ format: 'jwk' }).n ?? '', 'base64url');
  const invalid = () => new ValidationError('credential.invalid-blinded-message', `blindedMessage must be ${modulus.length} bytes (base64url), below the key's modulus`, { field: 'blindedMessage' });
  const raw = { padding: constants.RSA_NO_PADDING };
  return {
    check(blinded) {
      if (blinded.length !== modulus.length || Buffer.compare(Buffer.from(blinded), modulus) >= 0) throw invalid();
    },
    blindSign(blinded) {
      this.check(blinded);
      const signature = privateDecrypt({ key: privateKey, ...raw }, blinded);
      // RFC 9474 4.2 step 3: check s^e = m before answering, so a faulty computation leaks no key.
      if (!publicEncrypt({ key: publicKey, ...raw }, signature).equals(Buffer.from(blinded))) throw new Error('blind signing failed its check');
      return signature;
    },
  };
}
