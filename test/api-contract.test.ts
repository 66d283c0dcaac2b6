/** spec/api.md through app.inject(): auth, every error status, ingest batch rules, links and snapshots. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ACCOUNT, at, type Harness, harness, STORES } from './support/harness.js';

const WINDOW = 'from=2026-03-30T00:00:00Z&to=2026-03-31T00:00:00Z';
const login = (id: string, agentId: number, time = at('09:00:00')) => ({ id, type: 'agent.login', time, agentId });

for (const factory of STORES) {
  describe(`API contract (${factory.name})`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(factory, { maxBatchEvents: 50, maxBodyBytes: 64 * 1024 });
    });
    after(() => h.close());

    describe('auth', () => {
      test('401 without or with a bad token; 403 for another account or a missing scope', async () => {
        const url = `/api/v2/account/${ACCOUNT}/status-changes`;
        assert.equal((await h.app.inject({ url })).statusCode, 401);
        const bad = await h.app.inject({ url, headers: { authorization: 'Bearer nope' } });
        assert.equal(bad.statusCode, 401);
        assert.deepEqual(Object.keys(bad.json()), ['message']);
        const other = await h.app.inject({
          url: '/api/v2/account/other/status-changes',
          headers: { authorization: `Bearer ${await h.token(['read'])}` },
        });
        assert.equal(other.statusCode, 403);
        const missing = await h.app.inject({
          url: '/api/v2/account/never-created/status-changes',
          headers: { authorization: `Bearer ${await h.token(['read'])}` },
        });
        assert.equal(missing.statusCode, 403);
        assert.equal(missing.body, other.body.replace('other', 'never-created'), 'no hint whether an account exists');
        const scope = await h.app.inject({ url, headers: { authorization: `Bearer ${await h.token(['ingest'])}` } });
        assert.equal(scope.statusCode, 403);
        assert.match(scope.json().message, /"read"/);
        const ingest = await h.app.inject({
          method: 'POST',
          url: `/api/account/${ACCOUNT}/events`,
          payload: [],
          headers: { authorization: `Bearer ${await h.token(['read'])}` },
        });
        assert.equal(ingest.statusCode, 403);
        assert.match(ingest.json().message, /"ingest"/);
      });

      test('token endpoint: form or JSON, wrong secret 401, bad grant 400', async () => {
        await h.token(['read']);
        const form = await h.app.inject({
          method: 'POST',
          url: '/oauth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: 'grant_type=client_credentials&client_id=nobody&client_secret=x',
        });
        assert.equal(form.statusCode, 401);
        const grant = await h.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password' } });
        assert.equal(grant.statusCode, 400);
        assert.deepEqual(
          grant.json().causes.map((c: any) => c.field),
          ['grant_type', 'client_id', 'client_secret'],
        );
      });

      test('an expired token is a 401', async () => {
        const token = await h.token(['read']);
        h.clock.now += 2 * 3600 * 1000;
        const res = await h.app.inject({ url: `/api/v2/account/${ACCOUNT}/status-changes`, headers: { authorization: `Bearer ${token}` } });
        h.clock.now -= 2 * 3600 * 1000;
        assert.equal(res.statusCode, 401);
      });
    });

    describe('ingest', () => {
      test('a bad batch is rejected whole, one cause per problem, conflicts included; nothing stored', async () => {
        await h.ingest([login('stored-1', 1)]);
        const res = await h.ingest([
          login('ok-1', 2),
          { id: 'bad-1', type: 'agent.login', time: at('09:00:00'), agentId: 0, extra: true },
          { ...login('stored-1', 1), agentId: 3 },
          login('ok-2', 4),
          { ...login('ok-2', 4), agentId: 5 },
        ]);
        assert.equal(res.status, 400);
        assert.deepEqual(
          res.body.causes.map((c: any) => [c.index, c.id, c.field]),
          [
            [1, 'bad-1', 'agentId'],
            [1, 'bad-1', 'extra'],
            [2, 'stored-1', 'id'],
            [4, 'ok-2', 'id'],
          ],
        );
        const after = await h.get(`/api/v2/account/${ACCOUNT}/status-changes?v=2&${WINDOW}&agentId=2`);
        assert.equal(after.body._metadata.count, 0, 'nothing of the batch stored');
      });

      test('conflicts alone are a 409; identical repeats are duplicates', async () => {
        const conflict = await h.ingest([{ ...login('stored-1', 1), agentId: 99 }]);
        assert.equal(conflict.status, 409);
        assert.deepEqual(conflict.body.causes, [
          { index: 0, id: 'stored-1', field: 'id', message: 'id is already stored with different content' },
        ]);
        // Same event, other time notation and key order: identical.
        const repeat = await h.ingest([
          { agentId: 1, time: '2026-03-30T14:30:00+05:30', type: 'agent.login', id: 'stored-1' },
          login('fresh-1', 6),
          login('fresh-1', 6),
        ]);
        assert.deepEqual(repeat, { status: 200, body: { accepted: 1, duplicates: 2 } });
      });

      test('NDJSON bodies, bad lines reported by index', async () => {
        const token = await h.token(['ingest']);
        const ok = await h.app.inject({
          method: 'POST',
          url: `/api/account/${ACCOUNT}/events`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
          payload: `${JSON.stringify(login('nd-1', 30))}\n\n${JSON.stringify(login('nd-2', 31))}\n`,
        });
        assert.deepEqual(ok.json(), { accepted: 2, duplicates: 0 });
        const bad = await h.app.inject({
          method: 'POST',
          url: `/api/account/${ACCOUNT}/events`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
          payload: `${JSON.stringify(login('nd-3', 32))}\n{oops\n`,
        });
        assert.equal(bad.statusCode, 400);
        assert.equal(bad.json().causes[0].index, 1);
      });

      test('accountId in the body must equal the path account; a non-array body is a 400', async () => {
        const res = await h.ingest([{ ...login('acct-1', 40), accountId: 'someone-else' }]);
        assert.equal(res.status, 400);
        assert.equal(res.body.causes[0].field, 'accountId');
        assert.equal((await h.ingest([{ ...login('acct-2', 41), accountId: ACCOUNT }])).status, 200);
        const token = await h.token(['ingest']);
        const obj = await h.app.inject({
          method: 'POST',
          url: `/api/account/${ACCOUNT}/events`,
          headers: { authorization: `Bearer ${token}` },
          payload: { id: 'x' },
        });
        assert.equal(obj.statusCode, 400);
      });

      test('413 over the event count or the body size', async () => {
        const many = Array.from({ length: 51 }, (_, i) => login(`many-${i}`, 50));
        assert.equal((await h.ingest(many)).status, 413);
        const big = [{ ...login('big', 51), loginName: 'x'.repeat(200) }];
        const token = await h.token(['ingest']);
        const res = await h.app.inject({
          method: 'POST',
          url: `/api/account/${ACCOUNT}/events`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: JSON.stringify(Array(400).fill(big[0])),
        });
        assert.equal(res.statusCode, 413);
        assert.ok(res.json().message);
      });
    });

    describe('status-changes parameters', () => {
      const url = (q: string) => `/api/v2/account/${ACCOUNT}/status-changes?${q}`;
      const causes = async (q: string) => {
        const res = await h.get(url(q));
        assert.equal(res.status, 400, q);
        return res.body.causes.map((c: any) => c.field);
      };
      test('every bad parameter is a cause', async () => {
        assert.deepEqual(
          await causes('v=2&limit=0&offset=-1'),
          ['limit', 'offset'].sort((a, b) => (a === 'offset' ? -1 : b === 'offset' ? 1 : 0)),
        );
        assert.deepEqual(await causes('v=2&limit=5001'), ['limit']);
        assert.deepEqual(await causes('v=1&limit=101'), ['limit']);
        assert.deepEqual(await causes('v=3'), ['v']);
        assert.deepEqual(await causes('from=2026-03-30T00:00:00Z'), ['to']);
        assert.deepEqual(await causes('from=2026-03-30T00:00:00Z&to=2026-03-30T00:00:00Z'), ['from']);
        assert.deepEqual(await causes('from=2026-03-01T00:00:00Z&to=2026-04-02T00:00:00Z'), ['to']);
        assert.deepEqual(await causes('from=yesterday&to=2026-03-30T00:00:00Z'), ['from']);
        assert.deepEqual(await causes('agentId=1&empId=E1'), ['empId']);
        assert.deepEqual(await causes('agentId=abc'), ['agentId']);
        assert.deepEqual(await causes('source=has%20space'), ['source']);
      });

      test('404 for unknown routes, with the error shape', async () => {
        const res = await h.get('/api/v9/nothing');
        assert.equal(res.status, 404);
        assert.ok(res.body.message);
      });

      test('links: absolute, every parameter repeated, previous/next/last per the rules', async () => {
        const events = Array.from({ length: 25 }, (_, i) => ({
          id: `link-${i}`,
          type: 'agent.status',
          time: at('03:00:00') + i,
          agentId: 60,
          status: 'ONLINE',
        }));
        await h.ingest(events.slice(0, 25));
        const res = await h.get(url(`v=2&${WINDOW}&agentId=60&limit=10&offset=10&source=tests`));
        assert.equal(res.body._metadata.count, 25);
        const refs = Object.fromEntries(res.body._metadata.references.map((r: any) => [r.rel, new URL(r.href)]));
        assert.deepEqual(Object.keys(refs), ['self', 'first', 'previous', 'next', 'last']);
        for (const u of Object.values(refs) as URL[]) {
          assert.equal(u.origin, 'http://wfm.test');
          assert.equal(u.searchParams.get('source'), 'tests');
          assert.equal(u.searchParams.get('agentId'), '60');
          assert.equal(u.searchParams.get('from'), '2026-03-30T00:00:00Z');
          assert.equal(u.searchParams.get('limit'), '10');
          assert.ok(u.searchParams.get('asOf'));
        }
        assert.deepEqual(
          ['self', 'first', 'previous', 'next', 'last'].map((rel) => refs[rel].searchParams.get('offset')),
          ['10', '0', '0', '20', '20'],
        );
        const first = await h.get(url(`v=2&${WINDOW}&agentId=60&limit=30`));
        assert.deepEqual(
          first.body._metadata.references.map((r: any) => r.rel),
          ['self', 'first'],
        );
        const past = await h.get(url(`v=2&${WINDOW}&agentId=60&limit=10&offset=100`));
        assert.deepEqual([past.status, past.body.stateChanges.length], [200, 0]);
      });

      test('a snapshot answers as of its mark; expired marks are 410, forged ones 400', async () => {
        await h.ingest([login('snap-1', 70, at('04:00:00'))]);
        const first = await h.get(url(`v=2&${WINDOW}&agentId=70`));
        const asOf = new URL(first.body._metadata.references[0].href).searchParams.get('asOf') as string;
        await h.ingest([{ id: 'snap-2', type: 'agent.status', time: at('04:10:00'), agentId: 70, status: 'AWAY' }]);
        const old = await h.get(url(`v=2&${WINDOW}&agentId=70&asOf=${asOf}`));
        assert.equal(old.body._metadata.count, 2);
        const fresh = await h.get(url(`v=2&${WINDOW}&agentId=70`));
        assert.equal(fresh.body._metadata.count, 3);
        assert.equal((await h.get(url(`v=2&asOf=${asOf.replace(/.$/, asOf.endsWith('A') ? 'B' : 'A')}`))).status, 400);
        h.clock.now += 3600_001;
        // A token issued after the clock moved (its scope set is not cached yet), so only the snapshot has expired.
        const expired = await h.get(url(`v=2&${WINDOW}&agentId=70&asOf=${asOf}`), ['read', 'admin']);
        h.clock.now -= 3600_001;
        assert.equal(expired.status, 410);
        assert.match(expired.body.message, /first/);
      });

      test('a late event does not change what an open snapshot shows', async () => {
        await h.ingest([login('iso-1', 71, at('05:00:00')), { id: 'iso-3', type: 'agent.logout', time: at('05:30:00'), agentId: 71 }]);
        const first = await h.get(url(`v=2&${WINDOW}&agentId=71`));
        const asOf = new URL(first.body._metadata.references[0].href).searchParams.get('asOf') as string;
        await h.ingest([{ id: 'iso-2', type: 'agent.status', time: at('05:10:00'), agentId: 71, status: 'AWAY' }]);
        const again = await h.get(url(`v=2&${WINDOW}&agentId=71&asOf=${asOf}`));
        assert.deepEqual(again.body.stateChanges, first.body.stateChanges);
        const now = await h.get(url(`v=2&${WINDOW}&agentId=71`));
        assert.deepEqual(
          now.body.stateChanges.map((r: any) => r.sequenceNumber),
          [-1, 1, 2, 3],
        );
      });
    });

    describe('operations', () => {
      test('healthz, readyz, metrics without accounts in labels, openapi and docs', async () => {
        assert.equal((await h.app.inject({ url: '/healthz' })).statusCode, 200);
        const ready = await h.app.inject({ url: '/readyz' });
        assert.deepEqual(ready.json(), { status: 'ready', checks: { store: 'ok' } });
        const metrics = await h.app.inject({ url: '/metrics' });
        assert.match(
          metrics.body,
          /wfm_http_requests_total\{route="\/api\/v2\/account\/:accountId\/status-changes",method="GET",status="200"\}/,
        );
        assert.match(metrics.body, /wfm_events_ingested_total\{result="accepted"\}/);
        assert.doesNotMatch(metrics.body, new RegExp(ACCOUNT));
        const openapi = (await h.app.inject({ url: '/openapi.json' })).json();
        assert.equal(openapi.openapi, '3.1.0');
        for (const path of [
          '/api/v2/account/{accountId}/status-changes',
          '/api/account/{accountId}/events',
          '/api/account/{accountId}/data-quality',
          '/api/account/{accountId}/agent-segments',
          '/api/account/{accountId}/agent-segments/{segmentId}/handle-time-units',
          '/api/account/{accountId}/agent-segments/breakdown',
          '/operations/api/account/{accountId}/nht',
          '/api/account/{accountId}/settings',
          '/oauth/token',
        ]) {
          assert.ok(openapi.paths[path], path);
        }
        const limit = openapi.paths['/api/v2/account/{accountId}/status-changes'].get.parameters.find((p: any) => p.name === 'limit');
        assert.ok(limit, 'query parameters documented from the validating schema');
        const docs = await h.app.inject({ url: '/docs/' });
        assert.equal(docs.statusCode, 200);
        assert.match(docs.body, /swagger/i);
      });
    });
  });
}
