import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Ed25519 signatures of checkpoints and exports. Keys travel as a 32-byte seed (private) and the
 * 32-byte raw public key, both base64url; `keyId` is the first 16 bytes of SHA-256(public key) in
 * hex, short enough to read out over the phone when comparing with GET /api/audit/public-key.
 * Every signed message starts with a purpose line, so a signature of one kind can never be passed
 * off as the other.
 */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: string;
  keyId: string;
}

// PKCS#8 DER of an Ed25519 private key is this fixed prefix followed by the 32-byte seed.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function keyIdOf(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest('hex').slice(0, 32);
}

/** From a base64/base64url 32-byte seed or a PKCS#8 PEM (AUDIT_SIGNING_KEY, or the secrets table). */
export function signingKeyFrom(material: string): SigningKey {
  const text = material.trim();
  let privateKey: KeyObject;
  if (text.startsWith('-----BEGIN')) {
    privateKey = createPrivateKey(text);
  } else {
    const seed = Buffer.from(text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url');
    if (seed.length !== 32) throw new Error('an audit signing key is a 32-byte Ed25519 seed (base64) or a PKCS#8 PEM');
    privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the audit signing key must be an Ed25519 key');
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicKey = String(jwk.x);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** A pinned fingerprint (`--key`): the 32 hex digits of a keyId, or a public key (whose keyId it then is). */
export function fingerprintFrom(material: string): string {
  const text = material.trim().toLowerCase();
  if (/^[0-9a-f]{32}$/.test(text.replace(/[:\s-]/g, ''))) return text.replace(/[:\s-]/g, '');
  return keyIdOf(publicKeyFrom(material));
}

/** A pinned public key: raw base64url/base64, or an SPKI PEM. */
export function publicKeyFrom(material: string): string {
  const text = material.trim();
  if (text.startsWith('-----BEGIN')) return String(createPublicKey(text).export({ format: 'jwk' }).x);
  const raw = Buffer.from(text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url');
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes (base64) or an SPKI PEM');
  return raw.toString('base64url');
}

export type Purpose = 'pollster-checkpoint/1' | 'pollster-checkpoint/2' | 'pollster-audit-export/1' | 'pollster-key-handover/1' | 'pollster-audit-feed/1';

export function signMessage(key: SigningKey, purpose: Purpose, payload: string): string {
  return sign(null, Buffer.from(`${purpose}\n${payload}`, 'utf8'), key.privateKey).toString('base64url');
}

export function verifyMessage(publicKey: string, purpose: Purpose, payload: string, signature: string): boolean {
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
    return verify(null, Buffer.from(`${purpose}\n${payload}`, 'utf8'), key, Buffer.from(signature, 'base64url'));
  } catch {
    return false; // a malformed key or signature is simply not a valid signature
  }
}

/** PEM of the public key, for tools that want one (openssl, other languages). */
export function publicKeyPem(publicKey: string): string {
  return String(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' }).export({ format: 'pem', type: 'spki' }));
}
