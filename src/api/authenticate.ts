import type { FastifyRequest } from 'fastify';
import type { Scope } from '../auth/credentials.js';
import type { TokenService } from '../auth/tokens.js';
import { WfmError } from '../errors.js';

/**
 * A preHandler that admits a request only with a valid bearer token for the path's account
 * and the given scope: 401 without a valid token, 403 for another account or a missing
 * scope. The 403 for another account says nothing about whether that account exists.
 */
export function requireAccess(tokens: TokenService, scope: Scope) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new WfmError('WFM_ERR_UNAUTHORIZED', 'missing bearer token: send Authorization: Bearer <token> (see POST /oauth/token)');
    const claims = await tokens.verify(match[1] as string);
    if (!claims) throw new WfmError('WFM_ERR_UNAUTHORIZED', 'invalid or expired bearer token');
    const accountId = (request.params as { accountId?: string }).accountId;
    if (accountId !== claims.accountId) throw new WfmError('WFM_ERR_FORBIDDEN', 'the token does not grant access to this account');
    if (!claims.scopes.includes(scope)) throw new WfmError('WFM_ERR_FORBIDDEN', `the token lacks the "${scope}" scope`);
  };
}
