import { createHash, generateKeyPairSync } from 'node:crypto';
import { RSABSSA } from '@cloudflare/blindrsa-ts';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blindCredential, castWithCredential, CredentialClientError, fetchCredentialKey, issue, requestCredential, type BallotCredential,
} from '../../src/client/blind-credential.ts';
import { credentialMessageText, toBase64Url } from '../../src/domain/credential/message.ts';
import { answersFor, call, callerWith, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/**
 * The blind-credential flow through real HTTP (the app listening on a port, the shipped client
 * calling it with fetch) and PostgreSQL, then the attacks it must stop.
 */
let t: TestApp;
let baseUrl: string;
let organizer: Caller;
let blind: any;
let other: any;
let changeable: any;

const tokenOf = (caller: Caller) => caller.headers.authorization!.replace(/^Bearer /, '');
const client = (poll: any) => ({ baseUrl, pollId: poll.pollId });

async function credentialFor(poll: any, voter?: Caller): Promise<BallotCredential> {
  const key = await fetchCredentialKey(client(poll));
  return requestCredential({ ...client(poll), accessToken: tokenOf(voter ?? (await callerWith(t))), key });
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CredentialClientError);
  const { status, code } = error as CredentialClientError;
  return { status, code };
}

const castRaw = (poll: any, credential: { message: string; signature: string }, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}/api/polls/${poll.pollId}/ballots`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ answers: answersFor(poll), credential: { message: credential.message, signature: credential.signature } }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

beforeAll(async () => {
  t = await createTestApp();
  baseUrl = (await t.app.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
  organizer = await callerWith(t, 'organizer');
  [blind, other, changeable] = await Promise.all([
    openedPoll(t.app, organizer, { anonymous: true, anonymity: 'blind' }),
    openedPoll(t.app, organizer, { anonymous: true, anonymity: 'blind' }),
    openedPoll(t.app, organizer, { anonymous: true, anonymity: 'blind', allowChangeVote: true }),
  ]);
}, 120_000);
afterAll(async () => {
  await t?.close();
});

describe('a blind poll', () => {
  it('publishes its own credential key in getPoll and records it in PollCreated', async () => {
    const key = blind.credentialKey;
    expect(key.suite).toBe('RSABSSA-SHA384-PSS-Randomized');
    expect(key.fingerprint).toBe(createHash('sha256').update(Buffer.from(key.publicKey, 'base64url')).digest('hex'));
    expect(other.credentialKey.fingerprint).not.toBe(key.fingerprint);
    expect(blind.settings.anonymity).toBe('blind');
    const [created] = await t.services.store.readStream(`poll-${blind.pollId}`);
    expect((created!.data as any).credentialKey).toEqual(key);
  });

  it('keeps the private key out of the log and only sealed in its table', async () => {
    const rows: any[] = [...(await t.services.sql.any(sql.unsafe`SELECT sealed_private_key, public_key FROM credential_signing_keys WHERE poll_id = ${blind.pollId}`))];
    expect(rows).toHaveLength(1);
    expect(rows[0].public_key).toBe(blind.credentialKey.publicKey);
    // A PKCS#8 RSA key starts with these bytes in the clear; sealed, it does not.
    expect(Buffer.from(rows[0].sealed_private_key, 'base64url').subarray(12, 16).toString('hex')).not.toBe('308204bd');
    const inLog = await t.services.sql.oneFirst(sql.unsafe`SELECT count(*)::int AS n FROM events WHERE data::text LIKE '%' || ${rows[0].sealed_private_key.slice(0, 40)} || '%'`);
    expect(inLog).toBe(0);
  });
});

describe('the full flow with the shipped client', () => {
  it('a voter gets a credential logged in, casts without login, and the ballot counts naming nobody', async () => {
    const voter = await callerWith(t);
    const credential = await credentialFor(blind, voter);
    const receipt = await castWithCredential({ ...client(blind), credential, answers: answersFor(blind) });
    expect(receipt).toMatchObject({ ballotId: expect.any(String), receipt: expect.any(String) });

    const voterKey = `c.${createHash('sha256').update(Buffer.from(credential.message, 'base64url')).digest('hex')}`;
    const [cast] = await t.services.store.readStream(`ballot-${blind.pollId}-${voterKey}`);
    expect(cast!.type).toBe('BallotCast');
    expect(cast!.metadata.actor).toBe('anonymous');
    expect((cast!.data as any).credential).toEqual({ message: credential.message, signature: credential.signature });
    expect((cast!.data as any).voterKind).toBe('credential');
    expect(JSON.stringify([cast!.data, cast!.metadata])).not.toContain(voter.userId);
    // The issuance names the account, and nothing of the credential.
    const [issued] = await t.services.store.readStream(`credential-${blind.pollId}-${voter.userId}`);
    expect(issued!.type).toBe('BallotCredentialIssued');
    const issuance = JSON.stringify([issued!.data, issued!.metadata]);
    expect(issuance).toContain(voter.userId);
    expect(issuance).not.toContain(credential.message);
    expect(issuance).not.toContain(credential.signature);

    // An auditor verifies the ballot's credential offline with the key from the log.
    const publicKey = await crypto.subtle.importKey('spki', Buffer.from(blind.credentialKey.publicKey, 'base64url'), { name: 'RSA-PSS', hash: 'SHA-384' }, true, ['verify']);
    expect(await RSABSSA.SHA384.PSS.Randomized().verify(publicKey, Buffer.from(credential.signature, 'base64url'), Buffer.from(credential.message, 'base64url'))).toBe(true);

    await t.services.readModelsAt(BigInt(receipt.position));
    const results = await call(t.app, { method: 'GET', url: `/api/polls/${blind.pollId}/results`, caller: organizer });
    expect(results.body.totalBallots).toBeGreaterThanOrEqual(1);
    const verified = await call(t.app, { method: 'GET', url: `/api/polls/${blind.pollId}/audit/verify`, caller: await callerWith(t, 'auditor') });
    expect(verified.body, JSON.stringify(verified.body)).toMatchObject({ ok: true, resultsMatch: true });
    const mine = await fetch(`${baseUrl}/api/polls/${blind.pollId}/ballots/mine`, { headers: { 'ballot-credential': `${credential.message}.${credential.signature}` } });
    expect(mine.status).toBe(200);
    expect(((await mine.json()) as any).ballotId).toBe(receipt.ballotId);
  });

  it('a lost answer is recovered by asking again with the same blinded message: the same signature', async () => {
    const voter = await callerWith(t);
    const key = await fetchCredentialKey(client(blind));
    const pending = await blindCredential(blind.pollId, key);
    const first = await issue({ ...client(blind), accessToken: tokenOf(voter), key, pending });
    const again = await issue({ ...client(blind), accessToken: tokenOf(voter), key, pending });
    expect(again).toEqual(first);
  });

  it('changes the vote with the same credential where the poll allows it', async () => {
    const credential = await credentialFor(changeable);
    const cast = await castWithCredential({ ...client(changeable), credential, answers: answersFor(changeable) });
    const changed = await castWithCredential({ ...client(changeable), credential, answers: answersFor(changeable), change: true });
    expect(changed.ballotId).toBe(cast.ballotId);
    expect(await refusal(castWithCredential({ ...client(changeable), credential, answers: answersFor(changeable) }))).toEqual({ status: 409, code: 'already-voted' });
  });
});

describe('attacks', () => {
  it('a forged signature is refused: altered, or made with a key of the forger', async () => {
    const credential = await credentialFor(blind);
    const signature = Buffer.from(credential.signature, 'base64url');
    signature[10]! ^= 1;
    expect(await castRaw(blind, { ...credential, signature: signature.toString('base64url') })).toMatchObject({ status: 403, body: { code: 'ballot.invalid-credential' } });

    const forger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const message = Buffer.concat([Buffer.alloc(32, 7), Buffer.from(credentialMessageText(blind.pollId, toBase64Url(new Uint8Array(32).fill(9))))]);
    const { sign, constants } = await import('node:crypto');
    const forged = sign('sha384', message, { key: forger.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 });
    expect(await castRaw(blind, { message: message.toString('base64url'), signature: forged.toString('base64url') }))
      .toMatchObject({ status: 403, body: { code: 'ballot.invalid-credential' } });
    // A well-formed message the server never signed, with a signature of another message.
    expect(await castRaw(blind, { message: message.toString('base64url'), signature: credential.signature })).toMatchObject({ status: 403 });
  });

  it('a credential of poll A does not vote on poll B', async () => {
    const credential = await credentialFor(blind);
    expect(await refusal(castWithCredential({ ...client(other), credential: { ...credential, pollId: other.pollId }, answers: answersFor(other) })))
      .toEqual({ status: 403, code: 'ballot.credential-other-poll' });
    // Rewriting the poll id inside the message breaks the signature.
    const message = Buffer.from(credential.message, 'base64url').toString('latin1').replace(blind.pollId, other.pollId);
    expect(await castRaw(other, { ...credential, message: Buffer.from(message, 'latin1').toString('base64url') }))
      .toMatchObject({ status: 403, body: { code: 'ballot.invalid-credential' } });
  });

  it('a second ballot with the same credential is 409 already-voted where the poll allows no change', async () => {
    const credential = await credentialFor(blind);
    await castWithCredential({ ...client(blind), credential, answers: answersFor(blind) });
    expect(await refusal(castWithCredential({ ...client(blind), credential, answers: answersFor(blind) }))).toEqual({ status: 409, code: 'already-voted' });
    expect(await refusal(castWithCredential({ ...client(blind), credential, answers: answersFor(blind), change: true })))
      .toEqual({ status: 409, code: 'ballot.change-not-allowed' });
  });

  it('a second credential for the same account is refused by the store: 409 credential.already-issued', async () => {
    const voter = await callerWith(t);
    await credentialFor(blind, voter);
    expect(await refusal(credentialFor(blind, voter))).toEqual({ status: 409, code: 'credential.already-issued' });
    // Racing requests: exactly one gets a signature.
    const key = await fetchCredentialKey(client(other));
    const racer = await callerWith(t);
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => requestCredential({ ...client(other), accessToken: tokenOf(racer), key })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(await t.services.store.readStream(`credential-${other.pollId}-${racer.userId}`)).toHaveLength(1);
  });

  it('a credential sent with a login is refused, and a blind poll takes no account ballot', async () => {
    const voter = await callerWith(t);
    const credential = await credentialFor(blind, voter);
    expect(await castRaw(blind, credential, voter.headers)).toMatchObject({ status: 422, body: { code: 'ballot.credential-with-account' } });
    const asAccount = await call(t.app, { method: 'POST', url: `/api/polls/${blind.pollId}/ballots`, caller: voter, payload: { answers: answersFor(blind) } });
    expect(asAccount).toMatchObject({ status: 403, body: { code: 'ballot.credential-required' } });
    // Still unused: the refused request wrote nothing.
    expect((await castRaw(blind, credential)).status).toBe(201);
  });

  it('issuance needs a login, an eligible account, a blind poll that is open', async () => {
    const pending = await blindCredential(blind.pollId, blind.credentialKey);
    const unauthenticated = await fetch(`${baseUrl}/api/polls/${blind.pollId}/credentials`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ blindedMessage: pending.blindedMessage }),
    });
    expect(unauthenticated.status).toBe(401);

    const verified = await openedPoll(t.app, organizer, { anonymous: true, anonymity: 'blind', voterPolicy: 'verified' });
    expect(await refusal(credentialFor(verified))).toEqual({ status: 403, code: 'credential.verification-required' });

    const pseudonymous = await openedPoll(t.app, organizer, { anonymous: true });
    const issueOn = (poll: any) => call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/credentials`, caller: organizer, payload: { blindedMessage: pending.blindedMessage } });
    expect(await issueOn(pseudonymous)).toMatchObject({ status: 409, body: { code: 'credential.not-offered' } });

    const closing = await openedPoll(t.app, organizer, { anonymous: true, anonymity: 'blind' });
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${closing.pollId}/close`, caller: organizer })).status).toBe(200);
    expect(await refusal(credentialFor(closing))).toEqual({ status: 409, code: 'poll-not-active' });

    const tooLong = await call(t.app, { method: 'POST', url: `/api/polls/${blind.pollId}/credentials`, caller: await callerWith(t), payload: { blindedMessage: 'A'.repeat(400) } });
    expect(tooLong).toMatchObject({ status: 422, body: { code: 'credential.invalid-blinded-message' } });
  });

  it('a blind poll is refused where it cannot work', async () => {
    const refused = await call(t.app, {
      method: 'POST', url: '/api/polls', caller: organizer,
      payload: { title: 'x', questions: [{ text: 'q', kind: 'single', options: [{ text: 'a' }, { text: 'b' }] }], settings: { voterPolicy: 'token', anonymous: true, anonymity: 'blind' } },
    });
    expect(refused).toMatchObject({ status: 422, body: { code: 'poll.invalid-setting', field: 'settings.anonymity' } });
  });
});
