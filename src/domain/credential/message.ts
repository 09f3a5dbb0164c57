/**
 * The message a voter has blind-signed (README, "Blind ballot credentials"): RFC 9474's prepared
 * message, 32 random bytes then `pollster-ballot-credential/v1/<pollId>/<nonce>`, where the nonce
 * is 32 more random bytes (base64url). The poll id inside lets the server say "a credential of
 * another poll" instead of only "invalid"; the poll's own key is what really binds it. Pure and
 * platform-neutral: the shipped client builds the message with the same functions.
 */
export const CREDENTIAL_MESSAGE_PREFIX = 'pollster-ballot-credential/v1/';
/** RFC 9474 Randomized: the prefix `prepare` adds. */
export const PREPARE_PREFIX_BYTES = 32;
const SHAPE = /^pollster-ballot-credential\/v1\/([0-9a-fA-F-]{36})\/[A-Za-z0-9_-]{43}$/;
/** Longer than any well-formed message; a credential past it is refused before any crypto. */
export const MAX_MESSAGE_BYTES = 256;

export function credentialMessageText(pollId: string, nonce: string): string {
  return `${CREDENTIAL_MESSAGE_PREFIX}${pollId.toLowerCase()}/${nonce}`;
}

/** The poll id a prepared message names; undefined for anything that is not such a message. */
export function pollIdOfCredentialMessage(prepared: Uint8Array): string | undefined {
  if (prepared.length <= PREPARE_PREFIX_BYTES || prepared.length > MAX_MESSAGE_BYTES) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(prepared.subarray(PREPARE_PREFIX_BYTES));
  } catch {
    return undefined;
  }
  return SHAPE.exec(text)?.[1]?.toLowerCase();
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** Strict: undefined for anything but unpadded base64url. */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
