import Type, { type Static } from 'typebox';
import Compile from 'typebox/compile';
import { ROLES } from '../../domain/user/roles.ts';

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/**
 * The claims of a Pollster access token, exactly. A signature only proves that this server signed
 * something; what it signed is checked as strictly as a request body, so no claim can be read in
 * a way it was not written: `"roles": "admin"` is no role list (a string's `includes('admin')` is
 * true), a token without a version cannot be revoked, and a claim nobody writes means somebody
 * else minted the token.
 */
const AccessTokenClaims = Type.Object(
  {
    sub: Type.String({ pattern: UUID }),
    roles: Type.Array(Type.Union(ROLES.map((role) => Type.Literal(role))), { minItems: 1, maxItems: ROLES.length, uniqueItems: true }),
    /** The account's token version at login; a later version revokes the token. */
    tokenVersion: Type.Integer({ minimum: 0 }),
    /** Opened with a one-time setup token: the session may only set the password (and read /api/me). */
    mustChangePassword: Type.Optional(Type.Literal(true)),
    iat: Type.Integer({ minimum: 0 }),
    exp: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type AccessTokenClaims = Static<typeof AccessTokenClaims>;

const validator = Compile(AccessTokenClaims);

export function isAccessTokenClaims(payload: unknown): payload is AccessTokenClaims {
  return validator.Check(payload);
}
