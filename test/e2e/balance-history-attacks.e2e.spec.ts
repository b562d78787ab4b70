import { startTestApp, TestApp } from '../support/app';
import { checkInvariants } from '../support/invariants';
import { ledgerClient } from '../support/ledger-client';
import { waitFor } from '../support/wait';

/**
 * Attacks on historical balances and snapshots (issue 14), as a client would make them: inputs
 * Go's RFC 3339 parser takes but PostgreSQL does not, and snapshots asked for with an
 * Idempotency-Key. On PostgreSQL or embedded PGlite as the environment says.
 */
describe('historical balances and snapshots under attack', () => {
  let t: TestApp;
  let ledger: string;
  let c: ReturnType<typeof ledgerClient>;

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'history-attacks' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
  });
  afterAll(async () => {
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  const at = (id: string, timestamp: string) =>
    t.http('GET', `/balances/${id}/at?timestamp=${encodeURIComponent(timestamp)}`);

  it('takes every zone offset Go takes (PostgreSQL refuses past ±15:59), at the same instant', async () => {
    const a = await c.balance();
    await c.fund(a, 700, `zone-${a}`);
    // The same instants written in UTC and with offsets beyond PostgreSQL's range.
    const pairs: [string, string][] = [
      ['2099-01-01T00:00:00+23:59', '2098-12-31T00:01:00Z'],
      ['1999-01-01T00:00:00.1234567-23:00', '1999-01-01T23:00:00.123456Z'],
      ['2099-01-01T00:00:00+16:00', '2098-12-31T08:00:00Z'],
    ];
    for (const [offset, utc] of pairs) {
      const [x, y] = [await at(a, offset), await at(a, utc)];
      expect([x.status, x.text]).toEqual([200, expect.any(String)]);
      expect(x.json.timestamp).toBe(offset);
      expect(x.json.balance).toEqual(y.json.balance);
    }
    // Now, in the far zones, includes the funding; a minute after genesis of the era does not.
    expect((await at(a, '2099-01-01T00:00:00+23:59')).json.balance.balance).toBe(700);
    expect((await at(a, '2001-01-01T00:00:00-23:59')).json.balance.balance).toBe(0);
  });

  it('POST /balances-snapshots with an Idempotency-Key: the snapshots are taken and the retry replays', async () => {
    const a = await c.balance();
    await c.fund(a, 300, `snap-key-${a}`);
    const key = { 'idempotency-key': `snapshots-${a}` };
    const first = await t.http('POST', '/balances-snapshots', undefined, key);
    expect(first.status).toBe(200);
    await waitFor(
      async () =>
        Number(
          (
            await t.ds.query(
              `SELECT count(*)::int AS n FROM balance_snapshots WHERE balance_id = $1`,
              [a],
            )
          )[0].n,
        ) === 1 || undefined,
      10_000,
      'the snapshot',
    );
    const again = await t.http('POST', '/balances-snapshots', undefined, key);
    expect([again.status, again.text]).toEqual([first.status, first.text]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });
});
