/**
 * The first page of a walk puts its list's count in the snapshot mark of its links (spec/api.md
 * "Pagination links": every page of a walk answers from one snapshot), so later pages do not
 * count again. The mark is signed and bound to its list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SnapshotTokens } from '../src/api/snapshot-token.js';
import { simulate } from '../src/sim/simulate.js';
import { ACCOUNT, DAY0, type Harness, harness, SIGNING_SECRET, STORES, walkPages } from './support/harness.js';

const WINDOW_QUERY = 'from=2026-03-30T00:00:00Z&to=2026-03-31T00:00:00Z';
const V2 = `/api/v2/account/${ACCOUNT}/status-changes?v=2&${WINDOW_QUERY}`;
const SEGMENTS = `/api/account/${ACCOUNT}/agent-segments?${WINDOW_QUERY}`;
const tokens = new SnapshotTokens(SIGNING_SECRET);

const linkOf = (body: any, rel: string): string | undefined =>
  ((body._metadata ?? body.pagination).references as Array<{ rel: string; href: string }>).find((r) => r.rel === rel)?.href;
const asOfOf = (href: string): string => new URL(href).searchParams.get('asOf') as string;
const local = (href: string): string => href.replace('http://wfm.test', '');
const countOf = (body: any): number => (body._metadata ?? body.pagination).count;

for (const factory of STORES) {
  describe(`the count travels in the snapshot mark (${factory.name})`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(factory);
      const events = [...simulate({ seed: 3, agents: 8, hours: 24, start: DAY0 })];
      for (let i = 0; i < events.length; i += 2000) assert.equal((await h.ingest(events.slice(i, i + 2000))).status, 200);
    });
    after(() => h.close());

    for (const [name, first, pick] of [
      ['status-changes v2', `${V2}&limit=20`, (b: any) => b.stateChanges],
      ['status-changes v1', `/api/v2/account/${ACCOUNT}/status-changes?${WINDOW_QUERY}&limit=3`, (b: any) => b.agentsInfo],
      ['agent-segments', `${SEGMENTS}&limit=20`, (b: any) => b.segments],
    ] as const) {
      test(`${name}: the first page's links carry the count; a walk sees it on every page`, async () => {
        const page = await h.get(first);
        assert.equal(page.status, 200, page.raw);
        const count = countOf(page.body);
        const mark = tokens.read(asOfOf(linkOf(page.body, 'next') as string));
        assert.equal(mark?.list?.count, count);
        const walked = await walkPages(h, first, pick);
        assert.equal(walked.length, count, 'a walk gets every item once');
        const last = await h.get(local(linkOf(page.body, 'last') as string));
        assert.equal(countOf(last.body), count);
        assert.equal(linkOf(last.body, 'first'), linkOf(page.body, 'first'), 'the same snapshot mark in every link');
      });
    }

    test('a page takes the count of a mark issued for its own list, and only for it', async () => {
      const first = await h.get(`${V2}&limit=20`);
      const mark = tokens.read(asOfOf(linkOf(first.body, 'self') as string));
      assert.ok(mark?.list);
      const count = countOf(first.body);
      // Only this service can sign a mark: one that says otherwise shows whose count a page reports.
      const other = tokens.sign({ ...mark, list: { key: mark.list.key, count: count + 7 } });
      const carried = await h.get(`${V2}&limit=20&offset=20&asOf=${other}`);
      assert.equal(countOf(carried.body), count + 7);
      // Another list (a filter, another limit does not count) under the same mark counts for itself.
      const filtered = await h.get(`${V2}&limit=20&agentId=1&asOf=${other}`);
      const fresh = await h.get(`${V2}&limit=20&agentId=1`);
      assert.equal(countOf(filtered.body), countOf(fresh.body));
      assert.notEqual(countOf(filtered.body), count + 7);
      assert.equal(countOf((await h.get(`${V2}&limit=7&asOf=${other}`)).body), count + 7);
      // A mark without a count (as issued before counts travelled) still names its snapshot.
      const plain = tokens.sign({ version: mark.version, issuedAt: mark.issuedAt });
      const again = await h.get(`${V2}&limit=20&asOf=${plain}`);
      assert.equal(countOf(again.body), count);
      assert.equal(asOfOf(linkOf(again.body, 'next') as string), plain, 'a later page keeps the mark it came with');
    });

    test('a count changed in a mark makes it a forged mark (400)', async () => {
      const first = await h.get(`${V2}&limit=20`);
      const asOf = asOfOf(linkOf(first.body, 'self') as string);
      const [version, issuedAt, count, key, mac] = asOf.split('.') as [string, string, string, string, string];
      const tampered = [version, issuedAt, String(Number(count) + 1), key, mac].join('.');
      const res = await h.get(`${V2}&limit=20&asOf=${tampered}`);
      assert.equal(res.status, 400);
      assert.equal(res.body.causes[0].field, 'asOf');
    });
  });
}
