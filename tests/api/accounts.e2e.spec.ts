import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SANDBOX_IDS } from '../../src/adapters/national-registry/sandbox/index.ts';
import { FIRST_ADMIN_STREAM, userStream } from '../../src/domain/shared/streams.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { committedHead } from '../support/log-head.ts';

/**
 * Accounts and identity through the HTTP API (API.md), on a database of their own: the first
 * test registers the first account of an empty system.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const PASSWORD = 'correct horse battery staple';
const email = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.org`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function post(url: string, payload: object, token?: string) {
  return t.app.inject({ method: 'POST', url, payload, ...(token ? { headers: bearer(token) } : {}) });
}

async function registerUser(name: string, extra: object = {}) {
  const address = email(name);
  const response = await post('/api/auth/register', { email: address, password: PASSWORD, displayName: name, ...extra });
  expect(response.statusCode, response.body).toBe(201);
  return { email: address, userId: response.json().userId as string, ...response.json() };
}

async function loginAs(address: string, password = PASSWORD) {
  const response = await post('/api/auth/login', { email: address, password });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { accessToken: string; expiresIn: number; mustChangePassword: boolean };
}

const rolesIn = (token: string): string[] => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).roles;

let admin: { email: string; userId: string; token: string };

describe('register and login', () => {
  it('makes the first account of an empty system an admin, and only the first', async () => {
    // Two first registrations at once: the bootstrap stream's no_stream append picks one admin.
    const [a, b] = await Promise.all([registerUser('first-a'), registerUser('first-b')]);
    const tokens = await Promise.all([loginAs(a.email), loginAs(b.email)]);
    const admins = tokens.filter((x) => rolesIn(x.accessToken).includes('admin'));
    expect(admins).toHaveLength(1);
    const winner = rolesIn(tokens[0]!.accessToken).includes('admin') ? a : b;
    admin = { email: winner.email, userId: winner.userId, token: admins[0]!.accessToken };
    const claim = await t.services.store.readStream(FIRST_ADMIN_STREAM);
    expect(claim.map((e) => e.data)).toEqual([expect.objectContaining({ userId: winner.userId })]);

    const later = await registerUser('later');
    expect(rolesIn((await loginAs(later.email)).accessToken)).toEqual(['voter']);
  });

  it('logs in with any letter case of the email and reports mustChangePassword false', async () => {
    const user = await registerUser('Case');
    const session = await loginAs(user.email.toUpperCase());
    expect(session).toMatchObject({ expiresIn: expect.any(Number), mustChangePassword: false });
  });

  it('never writes the password or its hash into an event', async () => {
    const user = await registerUser('secret');
    await post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'another long passphrase' }, (await loginAs(user.email)).accessToken);
    const events = await t.services.store.readStream(userStream(user.userId));
    expect(events.map((e) => e.type)).toEqual(['UserRegistered', 'PasswordSet']);
    const hash = await t.services.sql.oneFirst(sql.type(z.object({ h: z.string() }))`
      SELECT password_hash AS h FROM credentials WHERE user_id = ${user.userId}`);
    const logged = JSON.stringify(events.map((e) => [e.type, e.data, e.metadata]));
    for (const secret of [PASSWORD, 'another long passphrase', hash, hash.split('$').at(-1)!]) expect(logged).not.toContain(secret);
  });

  it('answers 409 for a taken email, whatever its letter case', async () => {
    const user = await registerUser('taken');
    const again = await post('/api/auth/register', { email: user.email.toUpperCase(), password: PASSWORD, displayName: 'X' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'user.email-taken', field: 'email' });
  });

  it('takes over an abandoned registration (credentials without events), not one that may be in progress', async () => {
    const [abandoned, fresh] = [email('abandoned'), email('in-progress')];
    await t.services.sql.query(sql.unsafe`
      INSERT INTO credentials (user_id, email, created_at) VALUES
        (${randomUUID()}, ${abandoned}, now() - interval '10 minutes'), (${randomUUID()}, ${fresh}, now())`);
    const taken = await post('/api/auth/register', { email: abandoned, password: PASSWORD, displayName: 'Again' });
    expect(taken.statusCode, taken.body).toBe(201);
    await loginAs(abandoned);
    const busy = await post('/api/auth/register', { email: fresh, password: PASSWORD, displayName: 'Again' });
    expect(busy.json()).toMatchObject({ status: 409, code: 'user.email-taken' });
  });

  it('answers 422 for domain rule violations and schema violations of the body, 400 for malformed JSON', async () => {
    const badEmail = await post('/api/auth/register', { email: 'not-an-email', password: PASSWORD, displayName: 'X' });
    expect(badEmail.statusCode).toBe(422);
    expect(badEmail.json()).toMatchObject({ code: 'user.invalid-email', field: 'email' });
    const weak = await post('/api/auth/register', { email: email('weak'), password: 'short', displayName: 'X' });
    expect(weak.json()).toMatchObject({ status: 422, code: 'auth.weak-password', field: 'password' });
    const extra = await post('/api/auth/register', { email: email('x'), password: PASSWORD, displayName: 'X', admin: true });
    expect(extra.statusCode).toBe(422);
    const malformed = await t.app.inject({
      method: 'POST', url: '/api/auth/register', headers: { 'content-type': 'application/json' }, payload: '{"email":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toContain('application/problem+json');
  });

  it('answers 401 auth.invalid-credentials alike for an unknown email and a wrong password, in similar time', async () => {
    const user = await registerUser('timing');
    const time = async (payload: object) => {
      const started = performance.now();
      const response = await post('/api/auth/login', payload);
      return { response, ms: performance.now() - started };
    };
    const unknown = await time({ email: email('nobody'), password: PASSWORD });
    const wrong = await time({ email: user.email, password: 'wrong password!' });
    for (const { response } of [unknown, wrong]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: 'auth.invalid-credentials', detail: 'wrong email or password' });
    }
    // Both pay one scrypt; without the dummy hash the unknown email would answer in ~1 ms.
    expect(unknown.ms).toBeGreaterThan(wrong.ms / 3);
  });
});

describe('changePassword', () => {
  it('changes the password with the current one; the old one stops working', async () => {
    const user = await registerUser('change');
    const { accessToken } = await loginAs(user.email);
    const changed = await post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' }, accessToken);
    expect(changed.statusCode).toBe(204);
    expect((await post('/api/auth/login', { email: user.email, password: PASSWORD })).statusCode).toBe(401);
    await loginAs(user.email, 'a brand new passphrase');
  });

  it('answers 403 for a wrong current password, 422 for a weak or missing one, 401 without a token', async () => {
    const user = await registerUser('change-bad');
    const { accessToken } = await loginAs(user.email);
    const wrong = await post('/api/auth/password', { currentPassword: 'not my password', newPassword: 'a brand new passphrase' }, accessToken);
    expect(wrong.json()).toMatchObject({ status: 403, code: 'auth.wrong-password' });
    const weak = await post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'short' }, accessToken);
    expect(weak.json()).toMatchObject({ status: 422, code: 'auth.weak-password', field: 'newPassword' });
    const missing = await post('/api/auth/password', { newPassword: 'a brand new passphrase' }, accessToken);
    expect(missing.json()).toMatchObject({ status: 422, code: 'auth.current-password-required' });
    const setupToken = await post('/api/auth/password', { setupToken: 'guess', newPassword: 'a brand new passphrase' }, accessToken);
    expect(setupToken.json()).toMatchObject({ status: 403, code: 'auth.invalid-setup-token' });
    expect((await post('/api/auth/password', { currentPassword: PASSWORD, newPassword: 'x'.repeat(20) })).statusCode).toBe(401);
  });
});

describe('me and grantRole', () => {
  it('shows the caller’s account', async () => {
    const user = await registerUser('me');
    const response = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer((await loginAs(user.email)).accessToken) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      userId: user.userId, email: user.email, displayName: 'me', roles: ['voter'],
      nationalIdVerified: false, fullName: null, mustChangePassword: false, emailVerified: false,
    });
    expect((await t.app.inject({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });

  it('lets an admin grant a role, which shows in the next login’s token and at once in me', async () => {
    const user = await registerUser('organizer');
    const before = await loginAs(user.email);
    const granted = await post(`/api/admin/users/${user.userId}/roles`, { role: 'organizer' }, admin.token);
    expect(granted.statusCode).toBe(204);
    expect((await post(`/api/admin/users/${user.userId}/roles`, { role: 'organizer' }, admin.token)).statusCode).toBe(204);
    expect(rolesIn(before.accessToken)).toEqual(['voter']);
    expect(rolesIn((await loginAs(user.email)).accessToken)).toEqual(['voter', 'organizer']);
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(before.accessToken) });
    expect(me.json().roles).toEqual(['voter', 'organizer']);
    const events = await t.services.store.readStream(userStream(user.userId));
    expect(events.map((e) => e.type)).toEqual(['UserRegistered', 'RoleGranted']);
  });

  it('answers 403 for a non-admin, 404 for an unknown user, 422 for an unknown role, 400 for a malformed id', async () => {
    const user = await registerUser('not-admin');
    const { accessToken } = await loginAs(user.email);
    expect((await post(`/api/admin/users/${user.userId}/roles`, { role: 'admin' }, accessToken)).json())
      .toMatchObject({ status: 403, code: 'auth.role-required' });
    expect((await post(`/api/admin/users/${randomUUID()}/roles`, { role: 'admin' }, admin.token)).json())
      .toMatchObject({ status: 404, code: 'user.not-found' });
    expect((await post(`/api/admin/users/${user.userId}/roles`, { role: 'emperor' }, admin.token)).statusCode).toBe(422);
    expect((await post(`/api/admin/users/${user.userId}/roles`, { role: 'voter' }, admin.token)).statusCode).toBe(422);
    expect((await post('/api/admin/users/not-a-uuid/roles', { role: 'admin' }, admin.token)).statusCode).toBe(400);
    expect((await post(`/api/admin/users/${user.userId}/roles`, { role: 'admin' })).statusCode).toBe(401);
  });
});

describe('verifyNationalId', () => {
  it('verifies with the registry, shows in me, and keeps only a keyed hash in the log', async () => {
    const user = await registerUser('verify');
    const { accessToken } = await loginAs(user.email);
    const verified = await post('/api/identity/verify', { nationalId: '198-503-120 05' }, accessToken);
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json()).toEqual({ verified: true, fullName: 'Amina Wanjiru Otieno' });
    expect((await post('/api/identity/verify', { nationalId: SANDBOX_IDS.active }, accessToken)).statusCode).toBe(200);
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(accessToken) });
    expect(me.json()).toMatchObject({ nationalIdVerified: true, fullName: 'Amina Wanjiru Otieno' });
    await committedHead(t.services); // everything written so far readable
    const all = await t.services.store.readAll({ from: 0n, limit: 10_000 });
    expect(all.events.some((e) => e.type === 'NationalIdVerified')).toBe(true); // the check below saw the events it is about
    expect(JSON.stringify(all.events.map((e) => [e.stream, e.data]))).not.toContain(SANDBOX_IDS.active);

    // The same id for a second account: 409, and nothing written for it.
    const other = await registerUser('verify-2');
    const otherToken = (await loginAs(other.email)).accessToken;
    const taken = await post('/api/identity/verify', { nationalId: SANDBOX_IDS.active }, otherToken);
    expect(taken.json()).toMatchObject({ status: 409, code: 'national-id.taken' });
    expect((await t.services.store.readStream(userStream(other.userId))).map((e) => e.type)).toEqual(['UserRegistered']);
    // A verified account cannot switch to another id.
    const second = await post('/api/identity/verify', { nationalId: SANDBOX_IDS.activeWithoutBirthDate }, accessToken);
    expect(second.json()).toMatchObject({ status: 409, code: 'user.already-verified' });
  });

  it('answers 422 for a bad or ineligible id, 404 for an unknown one, 503 when the registry is down, 401 without a token', async () => {
    const { accessToken } = await loginAs((await registerUser('verify-bad')).email);
    const verify = (nationalId: string) => post('/api/identity/verify', { nationalId }, accessToken);
    expect((await verify(SANDBOX_IDS.badCheckDigit)).json()).toMatchObject({ status: 422, code: 'national-id.invalid', field: 'nationalId' });
    expect((await verify(SANDBOX_IDS.deceased)).json()).toMatchObject({ status: 422, code: 'national-id.not-eligible' });
    expect((await verify(SANDBOX_IDS.unknown)).json()).toMatchObject({ status: 404, code: 'national-id.not-found' });
    t.registry.failNext(3);
    const down = await verify(SANDBOX_IDS.activeWithoutBirthDate);
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ code: 'national-registry.unavailable' });
    expect((await post('/api/identity/verify', { nationalId: SANDBOX_IDS.active })).statusCode).toBe(401);
  });

  it('verifies a national id given at registration, and refuses one that is taken before creating the account', async () => {
    const user = await registerUser('reg-verify', { nationalId: SANDBOX_IDS.activeWithoutBirthDate });
    expect(user.nationalIdVerified).toBe(true);
    const address = email('reg-taken');
    const taken = await post('/api/auth/register', {
      email: address, password: PASSWORD, displayName: 'X', nationalId: SANDBOX_IDS.activeWithoutBirthDate,
    });
    expect(taken.json()).toMatchObject({ status: 409, code: 'national-id.taken' });
    expect((await post('/api/auth/login', { email: address, password: PASSWORD })).statusCode).toBe(401);
  });
});
