import Type from 'typebox';
import { GRANTABLE_ROLES } from '../../../domain/user/roles.ts';

/**
 * Shapes of the accounts operations (API.md, "Accounts and identity"). Schemas check types and
 * absurd sizes (400); the rules of our own (email format, display name, password length, national
 * id check digit) are the domain's and answer 422 with the field at fault.
 */
const Email = Type.String({ maxLength: 320, examples: ['ada@example.org'] });
const Password = Type.String({ maxLength: 1024, examples: ['correct horse battery staple'] });
const UserId = Type.String({ format: 'uuid', examples: ['3f9a1c52-8d4e-4b1a-9c7e-2a5b6c7d8e9f'] });
const Role = Type.String({ description: `voter, ${GRANTABLE_ROLES.join(', ')}`, examples: ['voter'] });

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Type.String({ maxLength: 1024, description: '8 to 256 characters', examples: ['correct horse battery staple'] }),
    displayName: Type.String({ maxLength: 500, description: '1 to 100 characters', examples: ['Ada'] }),
    nationalId: Type.Optional(Type.String({
      maxLength: 64, description: 'verified with the national registry during registration', examples: ['19850312005'],
    })),
  },
  { additionalProperties: false, examples: [{ email: 'ada@example.org', password: 'correct horse battery staple', displayName: 'Ada' }] },
);

export const Registered = Type.Object({
  userId: UserId,
  nationalIdVerified: Type.Boolean({ description: 'true when a nationalId was given and linked to the new account' }),
});

export const LoginBody = Type.Object(
  {
    email: Email,
    password: Type.String({
      maxLength: 1024,
      description: 'the password; an account imported without one logs in with its setup token here',
    }),
  },
  { additionalProperties: false, examples: [{ email: 'ada@example.org', password: 'correct horse battery staple' }] },
);

export const LoginResult = Type.Object({
  accessToken: Type.String(),
  expiresIn: Type.Integer({ description: 'seconds' }),
  mustChangePassword: Type.Boolean({ description: 'set a password (changePassword with setupToken) before anything else' }),
});

export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.Optional(Password),
    setupToken: Type.Optional(Type.String({
      maxLength: 200, description: 'instead of currentPassword, for an account imported without a password; works once',
    })),
    newPassword: Type.String({ maxLength: 1024, description: '8 to 256 characters' }),
  },
  {
    additionalProperties: false,
    examples: [{ currentPassword: 'correct horse battery staple', newPassword: 'a longer passphrase than before' }],
  },
);

export const MeView = Type.Object({
  userId: UserId,
  email: Email,
  displayName: Type.String(),
  roles: Type.Array(Role),
  nationalIdVerified: Type.Boolean(),
  fullName: Type.Union([Type.String(), Type.Null()], { description: 'the name in the national registry, once verified' }),
  mustChangePassword: Type.Boolean(),
  emailVerified: Type.Boolean({ description: 'the owner entered a code mailed to this address (POST /api/auth/email/verification)' }),
});

export const VerifyBody = Type.Object(
  { nationalId: Type.String({ maxLength: 64, description: '11 digits; spaces, dots and hyphens are ignored' }) },
  { additionalProperties: false, examples: [{ nationalId: '19850312005' }] },
);

export const Verified = Type.Object({ verified: Type.Literal(true), fullName: Type.String() });

export const GrantRoleParams = Type.Object({ userId: UserId });
export const GrantRoleBody = Type.Object(
  { role: Type.Union(GRANTABLE_ROLES.map((r) => Type.Literal(r)), { description: 'every account is a voter already' }) },
  { additionalProperties: false, examples: [{ role: 'organizer' }] },
);

export const JobParams = Type.Object({ jobId: UserId });
export const JobAccepted = Type.Object({ jobId: UserId });
export const JobView = Type.Object({
  jobId: UserId,
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  processed: Type.Integer({ description: 'rows read so far (imported + skipped + failed)' }),
  imported: Type.Integer(),
  skipped: Type.Integer({ description: 'an account with this email exists (re-importing a file creates no duplicates)' }),
  failed: Type.Integer(),
  errors: Type.Array(Type.Object({ line: Type.Integer({ description: '1-based line of the file; 0 for the job as a whole' }), message: Type.String() }), {
    description: 'the first 1000 errors',
  }),
  nationalIdsIgnored: Type.Integer({ description: 'rows with a nationalId: ids are linked only by verifyNationalId, never by import' }),
  setupTokens: Type.Integer({ description: 'accounts imported without a password; their tokens are at .../setup-tokens, once' }),
  setupTokensServed: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
