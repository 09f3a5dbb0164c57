/**
 * The voter's side of blind ballot credentials (RFC 9474, RSABSSA-SHA384-PSS-Randomized), for
 * Node and the browser alike: fetch and WebCrypto only (through @cloudflare/blindrsa-ts), no
 * Node modules. The flow (README, "Blind ballot credentials"):
 *
 *   const key = await fetchCredentialKey({ baseUrl, pollId });                  // public, no login
 *   const credential = await requestCredential({ baseUrl, pollId, accessToken, key });   // logged in
 *   // ... keep `credential` (JSON), wait, change network ...
 *   await castWithCredential({ baseUrl, pollId, credential, answers });       // NO login
 *
 * The server signs a blinded message: it learns that this account got a credential, never the
 * message or signature it will see on the ballot. Keep the credential secret: whoever holds it
 * casts (and, where the poll allows, changes) the ballot.
 */
import { RSABSSA } from '@cloudflare/blindrsa-ts';
import { credentialMessageText, fromBase64Url, toBase64Url } from '../domain/credential/message.ts';

export const CREDENTIAL_SUITE = 'RSABSSA-SHA384-PSS-Randomized';

export interface CredentialKeyInfo {
  suite: string;
  /** base64url DER SubjectPublicKeyInfo. */
  publicKey: string;
  /** sha256 hex of the DER. */
  fingerprint: string;
}

/** Everything a voter keeps between asking for the signature and casting; plain JSON. */
export interface BallotCredential {
  pollId: string;
  /** The poll key it verifies with: pin it, and compare with what others were shown. */
  fingerprint: string;
  /** base64url of the signed (prepared) message. */
  message: string;
  /** base64url RSA-PSS signature. */
  signature: string;
}

/** The blinded state of a request in flight: retry `issue` with it after a lost answer (same blinded message, same signature). */
export interface PendingCredential {
  pollId: string;
  fingerprint: string;
  message: string;
  blindedMessage: string;
  inverse: string;
}

export interface ClientOptions {
  /** e.g. `https://polls.example.org`; no trailing slash needed. */
  baseUrl: string;
  pollId: string;
  /** A fetch of your own (a Tor-routed agent, a test's); default: the global fetch. */
  fetch?: typeof fetch;
}

/** An answer of the API other than success: its status and problem code. */
export class CredentialClientError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  /** The request field at fault (e.g. `answers[1].optionIds`), so a form can show the problem there. */
  readonly field: string | undefined;
  readonly detail: string;
  constructor(status: number, code: string | undefined, detail: string, field?: string) {
    super(`${status}${code ? ` ${code}` : ''}: ${detail}`);
    this.name = 'CredentialClientError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.field = field;
  }
}

const suite = () => RSABSSA.SHA384.PSS.Randomized();
const bytes = (text: string, what: string): Uint8Array => {
  const decoded = fromBase64Url(text);
  if (!decoded) throw new Error(`${what} is not base64url`);
  return decoded;
};
const url = (options: ClientOptions, path: string) => `${options.baseUrl.replace(/\/+$/, '')}/api/polls/${encodeURIComponent(options.pollId)}${path}`;

async function call(options: ClientOptions, path: string, init: RequestInit): Promise<any> {
  // `omit`: no cookie or HTTP auth of the browser rides along and names the voter.
  const response = await (options.fetch ?? fetch)(url(options, path), { credentials: 'omit', ...init });
  const body: any = (response.headers.get('content-type') ?? '').includes('json') ? await response.json() : undefined;
  if (!response.ok) throw new CredentialClientError(response.status, body?.code, body?.detail ?? response.statusText, body?.field);
  return body;
}

/** The poll's credential key, as getPoll shows it; `expectedFingerprint` pins it (e.g. from the organizer's announcement). */
export async function fetchCredentialKey(options: ClientOptions & { expectedFingerprint?: string }): Promise<CredentialKeyInfo> {
  const poll = await call(options, '', { method: 'GET' });
  const key = poll?.credentialKey as CredentialKeyInfo | undefined;
  if (!key) throw new Error(`poll ${options.pollId} does not use blind credentials`);
  await importKey(key, options.expectedFingerprint);
  return key;
}

/** Imports the key after checking that its fingerprint is the one claimed (and the one expected). */
export async function importKey(key: CredentialKeyInfo, expectedFingerprint?: string) {
  if (key.suite !== CREDENTIAL_SUITE) throw new Error(`unsupported credential suite ${key.suite}`);
  const der = bytes(key.publicKey, 'publicKey');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', der));
  const fingerprint = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  if (fingerprint !== key.fingerprint) throw new Error('the credential key does not match its fingerprint');
  if (expectedFingerprint !== undefined && expectedFingerprint.toLowerCase() !== fingerprint) {
    throw new Error(`the poll's credential key ${fingerprint} is not the expected ${expectedFingerprint}: do not use it`);
  }
  return crypto.subtle.importKey('spki', der, { name: 'RSA-PSS', hash: 'SHA-384' }, true, ['verify']);
}

/** Step 1, offline: a fresh random message for this poll, blinded. */
export async function blindCredential(pollId: string, key: CredentialKeyInfo): Promise<PendingCredential> {
  const publicKey = await importKey(key);
  const nonce = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const message = suite().prepare(new TextEncoder().encode(credentialMessageText(pollId, nonce)));
  const { blindedMsg, inv } = await suite().blind(publicKey, message);
  return { pollId, fingerprint: key.fingerprint, message: toBase64Url(message), blindedMessage: toBase64Url(blindedMsg), inverse: toBase64Url(inv) };
}

/** Step 2, logged in: the server's blind signature, unblinded and checked against the poll key. */
export async function issue(options: ClientOptions & { accessToken: string; key: CredentialKeyInfo; pending: PendingCredential }): Promise<BallotCredential> {
  const { key, pending } = options;
  const issued = await call(options, '/credentials', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.accessToken}` },
    body: JSON.stringify({ blindedMessage: pending.blindedMessage }),
  });
  if (issued.keyFingerprint !== key.fingerprint) throw new Error('the server signed with another key than the poll shows');
  const publicKey = await importKey(key);
  // finalize verifies the signature: a server that signed with any other key is caught here.
  const signature = await suite().finalize(publicKey, bytes(pending.message, 'message'), bytes(issued.blindSignature, 'blindSignature'), bytes(pending.inverse, 'inverse'));
  return { pollId: pending.pollId, fingerprint: key.fingerprint, message: pending.message, signature: toBase64Url(signature) };
}

/** Steps 1 and 2 in one: blind a fresh message, have it signed, unblind. */
export async function requestCredential(options: ClientOptions & { accessToken: string; key: CredentialKeyInfo }): Promise<BallotCredential> {
  return issue({ ...options, pending: await blindCredential(options.pollId, options.key) });
}

/**
 * Step 3, WITHOUT a login: cast (or, with `change`, replace) the ballot this credential stands for.
 * `challenge`: the solved proof of work when a busy network got 428 `fraud.challenge-required`.
 */
export async function castWithCredential(
  options: ClientOptions & { credential: BallotCredential; answers: unknown[]; change?: boolean; idempotencyKey?: string; challenge?: string },
): Promise<{ ballotId: string; receipt: string; position: number }> {
  const { credential } = options;
  if (credential.pollId.toLowerCase() !== options.pollId.toLowerCase()) throw new Error('this credential is for another poll');
  return call(options, options.change ? '/ballots/mine' : '/ballots', {
    method: options.change ? 'PUT' : 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': options.idempotencyKey ?? crypto.randomUUID() },
    body: JSON.stringify({
      answers: options.answers,
      credential: { message: credential.message, signature: credential.signature },
      ...(options.challenge === undefined ? {} : { challenge: options.challenge }),
    }),
  });
}
