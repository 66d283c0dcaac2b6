import { jwtVerify, SignJWT } from 'jose';
import type { Scope } from './credentials.js';
import { SCOPES } from './credentials.js';

export interface TokenClaims {
  accountId: string;
  scopes: Scope[];
  clientId: string;
}

const ISSUER = 'wfm-metrics';

/** Signs and verifies the bearer tokens: HS256 JWTs naming one account and its scopes. */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(claims: TokenClaims): Promise<{ token: string; expiresIn: number }> {
    const iat = Math.floor(this.now() / 1000);
    const token = await new SignJWT({ account: claims.accountId, scope: claims.scopes.join(' ') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(claims.clientId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .sign(this.key);
    return { token, expiresIn: this.ttlSeconds };
  }

  /** The token's claims, or undefined when it is malformed, forged or expired. */
  async verify(token: string): Promise<TokenClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        currentDate: new Date(this.now()),
      });
      if (typeof payload.account !== 'string' || typeof payload.scope !== 'string' || typeof payload.sub !== 'string') return undefined;
      const names = payload.scope.split(' ');
      return { accountId: payload.account, clientId: payload.sub, scopes: SCOPES.filter((s) => names.includes(s)) };
    } catch {
      return undefined;
    }
  }
}
