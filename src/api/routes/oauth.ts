import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { verifySecret } from '../../auth/credentials.js';
import type { Cause } from '../../errors.js';
import { badRequest, WfmError } from '../../errors.js';
import type { AppContext } from '../app.js';
import { ErrorBody } from '../schemas.js';

const TokenRequest = Type.Object({
  grant_type: Type.Optional(Type.String({ description: 'must be client_credentials' })),
  client_id: Type.Optional(Type.String()),
  client_secret: Type.Optional(Type.String()),
  source: Type.Optional(Type.String()),
});

/** POST /oauth/token — OAuth 2.0 client credentials, form-encoded or JSON. */
export function oauthRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    app.post(
      '/oauth/token',
      {
        schema: {
          summary: 'Get a bearer token (client credentials)',
          tags: ['auth'],
          body: TokenRequest,
          response: {
            200: Type.Object({ access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Integer() }),
            400: ErrorBody,
            401: ErrorBody,
          },
        },
      },
      async (request) => {
        const body = (request.body ?? {}) as Record<string, unknown>;
        const causes: Cause[] = [];
        if (body.grant_type !== 'client_credentials') causes.push({ field: 'grant_type', message: 'must be client_credentials' });
        for (const f of ['client_id', 'client_secret'] as const) {
          if (typeof body[f] !== 'string' || body[f] === '') causes.push({ field: f, message: 'required' });
        }
        if (causes.length > 0) throw badRequest('invalid token request', causes);
        const client = await ctx.store.findClient(body.client_id as string);
        if (!client || !(await verifySecret(body.client_secret as string, client.secretHash))) {
          throw new WfmError('WFM_ERR_UNAUTHORIZED', 'unknown client or wrong secret');
        }
        const { token, expiresIn } = await ctx.tokens.issue({
          accountId: client.accountId,
          scopes: client.scopes as never,
          clientId: client.clientId,
        });
        return { access_token: token, token_type: 'Bearer' as const, expires_in: expiresIn };
      },
    );
  };
}
