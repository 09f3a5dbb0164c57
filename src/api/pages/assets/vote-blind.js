// The vote page's part for blind polls (README, "Blind ballot credentials"): obtain the credential
// signed in, keep it in this browser, cast with it signed out. The cryptography and the requests
// are src/client/blind-credential.ts itself, served stripped of its types: one implementation for
// the CLI, the tests and this page.
import { blindCredential, castWithCredential, CredentialClientError, importKey, issue } from '/assets/client/blind-credential.js';

const recordKey = (pollId) => `pollster.credential.${pollId.toLowerCase()}`;
const pendingKey = (pollId) => `pollster.credential-pending.${pollId.toLowerCase()}`;
const read = (key) => { try { return JSON.parse(localStorage.getItem(key) ?? 'null'); } catch { return null; } };

/**
 * What this browser holds for the poll: `{credential, obtainedAt, poll, receipt?, votedAt?}`, or
 * null. Nothing here is sent anywhere until the voter casts: even asking the server whether the
 * credential has voted would put a credential request right after the sign-in on the server's clock.
 */
export const heldCredential = (pollId) => read(recordKey(pollId));
export const forgetCredential = (pollId) => localStorage.removeItem(recordKey(pollId));
const save = (record) => localStorage.setItem(recordKey(record.credential.pollId), JSON.stringify(record));

/**
 * Signed in: blind a fresh message, have it signed, unblind and verify it. The blinded request is
 * kept until the answer arrives, so a retry after a lost answer sends the same one and gets the
 * same signature instead of `credential.already-issued`.
 */
export async function obtainCredential(poll, accessToken, expectedFingerprint) {
  if (!globalThis.crypto?.subtle) throw new Error('This browser cannot make a credential on this connection: open the page over https.');
  const key = poll.credentialKey;
  await importKey(key, expectedFingerprint ?? undefined);
  const pending = read(pendingKey(poll.pollId)) ?? await blindCredential(poll.pollId, key);
  localStorage.setItem(pendingKey(poll.pollId), JSON.stringify(pending));
  try {
    const credential = await issue({ baseUrl: location.origin, pollId: poll.pollId, accessToken, key, pending });
    const { pollId, slug, title, description, questions, settings } = poll;
    const record = { credential, obtainedAt: new Date().toISOString(), poll: { pollId, slug, title, description, questions, settings, status: 'active' } };
    save(record);
    localStorage.removeItem(pendingKey(poll.pollId));
    return record;
  } catch (error) {
    // Issued to another request of this account (another browser): this one will never be signed.
    if (error instanceof CredentialClientError && error.code === 'credential.already-issued') localStorage.removeItem(pendingKey(poll.pollId));
    throw error;
  }
}

/** What obtaining failed with, in the voter's words. */
export function obtainError(error) {
  if (!(error instanceof CredentialClientError)) return error?.message ?? 'The credential could not be made. Try again.';
  switch (error.code) {
    case 'credential.already-issued':
      return 'You already obtained the credential for this poll, in this or another browser. There is only one per person, and Pollster cannot tell which it is, so it cannot give it again: vote from the browser that holds it. If that browser’s data was cleared, the credential is lost.';
    case 'credential.verification-required': return 'This poll needs a confirmed national ID before you get a credential.';
    case 'poll-not-active': return 'This poll is not taking votes any more.';
    default: return error.detail || 'The credential could not be obtained. Try again.';
  }
}

/**
 * Casts (or changes) with the held credential: no Authorization header, no cookies (the client
 * sends `credentials: "omit"`). Answers in the page's `{status, body}` shape.
 */
export async function castHeld(record, answers, { change = false, challenge } = {}) {
  try {
    const body = await castWithCredential({ baseUrl: location.origin, pollId: record.credential.pollId, credential: record.credential, answers, change, challenge });
    save({ ...record, receipt: body.receipt, votedAt: new Date().toISOString() });
    return { status: change ? 200 : 201, body };
  } catch (error) {
    if (error instanceof CredentialClientError) return { status: error.status, body: { code: error.code, detail: error.detail, field: error.field } };
    throw error;
  }
}

/** Before the credential: what it is, the key to compare, the one button. `el` comes from vote.js: this module imports only the browser modules (browser-modules.ts). */
export function obtainPanel(el, poll, onObtain) {
  const error = el('p', { className: 'error', id: 'credential-error', hidden: true, role: 'alert' });
  const button = el('button', { type: 'button', id: 'obtain', textContent: 'Get my ballot credential' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    error.hidden = true;
    try {
      await onObtain();
    } catch (e) {
      error.textContent = obtainError(e);
      error.hidden = false;
      // Asking again cannot help: the store holds the account's one issuance.
      if (e instanceof CredentialClientError && e.code === 'credential.already-issued') button.hidden = true;
    } finally {
      button.disabled = false;
    }
  });
  return el('section', { className: 'panel', id: 'credential' },
    el('h2', { textContent: 'Get your ballot credential' }),
    el('p', { textContent: 'This poll is anonymous even to its organisers and to whoever runs Pollster. Your browser makes a secret ballot credential, Pollster signs it without seeing it, and you vote with it without signing in. Pollster learns that you got a credential and which credentials voted, never which ballot is yours.' }),
    el('p', { textContent: 'There is one credential per person for this poll, and it stays in this browser.' }),
    el('p', { className: 'muted' }, 'Poll key fingerprint: ', el('code', { id: 'key-fingerprint', textContent: poll.credentialKey.fingerprint }),
      '. It should match the one the organiser announced.'),
    error, button);
}

/**
 * With the credential held: that this browser holds it and what losing it means, what still links
 * the voter to the ballot (README, "What still links"), and, just after obtaining it, "cast later".
 */
export function heldPanel(el, record, { justObtained, allowChange, onVote }) {
  const parts = [
    el('h2', { textContent: 'Your ballot credential is in this browser' }),
    el('p', { textContent: 'This browser holds the credential that casts your ballot in this poll. Whoever uses this browser profile can vote, or change the vote, with it. Pollster cannot tell which credential is yours, so it cannot give you another: if this site’s data is cleared, or this is a private window and it is closed, before you vote, you cannot vote in this poll.' }),
  ];
  // Advice for the cast still to come; once voted, the receipt matters more than the lecture.
  if (!record.receipt) parts.push(
    el('h3', { textContent: 'What can still link you to your ballot' }),
    el('ul', {},
      el('li', { textContent: 'Timing: a ballot cast seconds after its credential was obtained is easy to pair with you. Waiting, hours rather than seconds and ideally until many others have voted, makes that much harder.' }),
      el('li', { textContent: 'Your network address: Pollster sees where both requests come from. Vote from another network (mobile data instead of the office, or Tor) if you can.' }),
      el('li', { textContent: 'In a small poll, a rare combination of answers may stand out.' })));
  const actions = el('p', { className: 'actions' });
  const status = el('p', { id: 'credential-status', role: 'status' });
  if (record.receipt) {
    status.append(`You voted from this browser on ${new Date(record.votedAt).toLocaleString()}. Receipt: `, el('code', { textContent: record.receipt }));
    if (allowChange) actions.append(button(el, 'Change my vote', 'secondary', () => { actions.remove(); onVote('change'); }));
  } else if (justObtained) {
    status.textContent = 'You have your credential. You can vote now, or come back later to vote from this browser.';
    actions.append(
      button(el, 'Cast later', '', () => {
        status.textContent = 'Your credential waits in this browser. Come back to this page in this browser (bookmark it) when you are ready to vote; you do not need to sign in again.';
        actions.remove();
      }),
      ' ',
      button(el, 'Vote now', 'secondary', () => { actions.remove(); onVote('cast'); }));
  }
  parts.push(status, actions);
  return el('section', { className: 'panel', id: 'credential' }, ...parts);
}

function button(el, text, className, onclick) {
  return el('button', { type: 'button', className, textContent: text, onclick });
}
