import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../../errors.js';
import type { AccountSettings } from '../../store/store.js';
import type { AppContext } from '../app.js';
import { requireAccess } from '../authenticate.js';
import { AccountParams, ErrorBody, Source } from '../schemas.js';

const Settings = Type.Object({
  defaultMaxSlots: Type.Integer({ minimum: 1, description: 'slots of an agent whose profile has no maxSlots (default 4)' }),
  idleTimeoutMillis: Type.Integer({ minimum: 0, description: 'AHT idle timeout; 0 = off (default)' }),
});
const SettingsChange = Type.Partial(Settings, { additionalProperties: false });

/** GET|PUT /api/account/{accountId}/settings (scope admin). */
export function settingsRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const admin = requireAccess(ctx.tokens, 'admin');
    const common = { tags: ['settings'], security: [{ bearer: [] }], params: AccountParams, querystring: Type.Object({ source: Source }) };

    app.get(
      '/api/account/:accountId/settings',
      {
        preHandler: admin,
        schema: { ...common, summary: 'Account settings', response: { 200: Settings, 401: ErrorBody, 403: ErrorBody } },
      },
      async (request) => ctx.store.settings((request.params as { accountId: string }).accountId),
    );

    app.put(
      '/api/account/:accountId/settings',
      {
        preHandler: admin,
        schema: {
          ...common,
          summary: 'Change account settings',
          description:
            'One field or both. The change applies to all data, past included: derived records are recomputed before the answer, ' +
            'reads answer from the previous settings until then, and snapshots taken before expire (410).',
          body: SettingsChange,
          response: { 200: Settings, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
        },
      },
      async (request) => {
        const changes = (request.body ?? {}) as Partial<AccountSettings>;
        if (changes.defaultMaxSlots === undefined && changes.idleTimeoutMillis === undefined) {
          throw badRequest('invalid body', [{ message: 'give defaultMaxSlots, idleTimeoutMillis or both' }]);
        }
        return ctx.store.updateSettings((request.params as { accountId: string }).accountId, changes);
      },
    );
  };
}
