import { createHmac } from 'node:crypto';
import { WebhookSettings } from '../../src/modules/events/application/webhook-settings';
import { ErrorNotifier } from '../../src/modules/notification/application/ports/error-notifier';
import { startTestApp, TEST_KEY, TestApp } from '../support/app';
import { Received, startReceiver } from '../support/webhook-receiver';
import { waitFor } from '../support/wait';

/** Fast retries and polling, so a test sees a retry in milliseconds; the rules are the real ones. */
const settings = (url: string, over: { maxAttempts?: number } = {}) =>
  new WebhookSettings(
    url,
    { 'x-team': 'ledger' },
    TEST_KEY,
    over.maxAttempts ?? 25,
    5_000,
    50,
    200,
    7 * 86_400_000,
    20,
    20,
  );

const verify = (r: Received) => {
  const ts = r.headers['x-blnk-timestamp'] as string;
  const expected = createHmac('sha256', TEST_KEY).update(`${ts}.${r.body}`).digest('hex');
  return r.headers['x-blnk-signature'] === expected;
};

/**
 * Webhooks from the transactional outbox (issue 13) against a real receiver on loopback: every
 * committed change is delivered, signed, with an event id that stays the same on retries; a
 * change that rolled back (a refused transfer, a dry run) sends nothing.
 */
describe('webhooks from the outbox', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  /** Event ids whose first attempt is answered 500. */
  const failFirst = new Set<string>();
  const seen = new Set<string>();

  beforeAll(async () => {
    receiver = await startReceiver((r) => {
      const id = r.headers['x-blnk-event-id'] as string;
      const first = !seen.has(id);
      seen.add(id);
      if (r.json.data.reference === 'wh-retry' && first) return 500;
      if (failFirst.has(id) && first) return 500;
      return 200;
    });
    t = await startTestApp({ webhooks: settings(receiver.url) });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const delivered = (event: string, match: (d: Record<string, unknown>) => boolean) =>
    receiver.received.filter(
      (r) => r.status === 200 && r.json.event === event && match(r.json.data),
    );
  const waitDelivered = (event: string, match: (d: Record<string, unknown>) => boolean) =>
    waitFor(
      async () => (delivered(event, match).length ? delivered(event, match) : undefined),
      15_000,
      event,
    );

  it('delivers each committed change once, signed, with its event id; nothing for rolled-back work', async () => {
    const ledger = await t.http('POST', '/ledgers', { name: 'hooks' });
    const ledgerId = ledger.json.ledger_id as string;
    const bal = await t.http('POST', '/balances', { ledger_id: ledgerId, currency: 'USD' });
    const a = bal.json.balance_id as string;
    const tx = (reference: string, extra: Record<string, unknown> = {}) =>
      t.http('POST', '/transactions', {
        precise_amount: 90071992547409930n.toString(),
        precision: 100,
        currency: 'USD',
        reference,
        description: 'wh',
        source: '@World',
        destination: a,
        allow_overdraft: true,
        skip_queue: true,
        ...extra,
      });
    const applied = await tx('wh-sync');
    expect(applied.status).toBe(201);
    const queued = await tx('wh-queued', { skip_queue: false });
    expect(queued.status).toBe(201);
    // Refused and dry-run requests roll back: no event may ever name them.
    const poor = await tx('wh-poor', {
      source: a,
      destination: '@Sink',
      allow_overdraft: false,
      precise_amount: '1000000000000000000000',
    });
    expect(poor.json.error_detail.code).toBe('TXN_INSUFFICIENT_FUNDS');
    expect((await tx('wh-dry', { dry_run: true })).status).toBe(200);

    const person = await t.http('POST', '/identities', { first_name: 'Ada', last_name: 'King' });
    expect(person.status).toBe(201);
    await waitDelivered(
      'identity.created',
      (d) => d.identity_id === person.json.identity_id && d.first_name === 'Ada',
    );
    // The outbox keeps the identity's id, not a copy of its PII.
    const [kept] = await t.ds.query(
      `SELECT snapshot::text AS s FROM event_outbox WHERE entity = 'identity' AND entity_id = $1`,
      [person.json.identity_id],
    );
    expect(kept.s).not.toContain('Ada');
    await waitDelivered('ledger.created', (d) => d.ledger_id === ledgerId);
    await waitDelivered('balance.created', (d) => d.balance_id === a);
    // @World, created on first use by the first transfer.
    await waitDelivered('balance.created', (d) => d.indicator === '@World');
    const [sync] = await waitDelivered('transaction.applied', (d) => d.reference === 'wh-sync');
    await waitDelivered('transaction.queued', (d) => d.reference === 'wh-queued');
    await waitDelivered('transaction.applied', (d) => d.reference === 'wh-queued_q');

    // The payload is the transaction as the API shows it, big integers exact.
    expect(sync.body).toContain('"precise_amount":90071992547409930');
    expect(sync.json.data).toMatchObject({
      transaction_id: applied.json.transaction_id,
      status: 'APPLIED',
    });
    // Signed, identified, custom headers last.
    for (const r of receiver.received) {
      expect(verify(r)).toBe(true);
      expect(r.headers['x-blnk-event-id']).toMatch(/^evt_/);
      expect(r.headers['x-team']).toBe('ledger');
      expect(r.headers['content-type']).toBe('application/json');
    }
    // Exactly once per event: no id delivered twice with a 2xx.
    const ok = receiver.received
      .filter((r) => r.status === 200)
      .map((r) => r.headers['x-blnk-event-id']);
    expect(new Set(ok).size).toBe(ok.length);
    const references = receiver.received.map((r) => r.json.data.reference);
    expect(references).not.toContain('wh-poor');
    expect(references).not.toContain('wh-dry');
  });

  it('retries a delivery answered 500, with the same event id, and records it delivered', async () => {
    const made = await t.http('POST', '/transactions', {
      precise_amount: 5,
      precision: 1,
      currency: 'USD',
      reference: 'wh-retry',
      description: 'retry',
      source: '@World',
      destination: '@Retry',
      allow_overdraft: true,
      skip_queue: true,
    });
    expect(made.status).toBe(201);
    await waitDelivered('transaction.applied', (d) => d.reference === 'wh-retry');
    const attempts = receiver.received.filter((r) => r.json.data.reference === 'wh-retry');
    expect(attempts.map((r) => r.status)).toEqual([500, 200]);
    expect(attempts[0].headers['x-blnk-event-id']).toBe(attempts[1].headers['x-blnk-event-id']);
    const id = attempts[0].headers['x-blnk-event-id'] as string;
    // Recorded once the relay's round ends (a round's deliveries are recorded together).
    const recorded = await waitFor(
      async () => {
        const list = await t.http('GET', '/webhook-deliveries?status=delivered&limit=100');
        expect(list.status).toBe(200);
        return list.json.find((d: { event_id: string }) => d.event_id === id);
      },
      15_000,
      'the delivery recorded',
    );
    expect(recorded).toMatchObject({
      status: 'delivered',
      attempts: 2,
      last_status: 200,
      last_error: null,
    });
  });

  it('a run_async bulk sends one bulk_transaction.applied when its last item has an outcome; an atomic one rejected sends one .failed', async () => {
    const item = (reference: string, extra: Record<string, unknown> = {}) => ({
      amount: 10,
      precision: 100,
      currency: 'USD',
      reference,
      description: 'bulk',
      source: '@World',
      destination: '@BulkDest',
      allow_overdraft: true,
      ...extra,
    });
    const async = await t.http('POST', '/transactions/bulk', {
      run_async: true,
      // The last item waits a while (scheduled): the batch is not over before it is applied.
      transactions: [
        item('wh-bulk-1'),
        item('wh-bulk-2'),
        item('wh-bulk-3', { scheduled_for: new Date(Date.now() + 2_500).toISOString() }),
      ],
    });
    expect(async.status).toBe(202);
    const batch = async.json.batch_id as string;
    // Atomic, queued, one item overdraws: the group is rejected by the worker, all or none.
    const atomic = await t.http('POST', '/transactions/bulk', {
      atomic: true,
      transactions: [
        item('wh-atomic-1'),
        item('wh-atomic-2', { source: '@BulkPoor', allow_overdraft: false }),
      ],
    });
    expect(atomic.status).toBe(201);
    const atomicBatch = atomic.json.batch_id as string;
    // Neither run_async nor atomic: no batch event (as Blnk).
    const plain = await t.http('POST', '/transactions/bulk', {
      transactions: [item('wh-plain-1')],
    });
    expect(plain.status).toBe(201);

    const [applied] = await waitDelivered('bulk_transaction.applied', (d) => d.batch_id === batch);
    expect(applied.json.data).toEqual({
      batch_id: batch,
      status: 'applied',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
      transaction_count: 3,
      rejected_count: 0,
    });
    expect(verify(applied)).toBe(true);
    // Only once every item's outcome had committed: each outcome row is older than the event.
    for (const ref of ['wh-bulk-1', 'wh-bulk-2', 'wh-bulk-3']) {
      const [outcome] = await waitDelivered(
        'transaction.applied',
        (d) => d.reference === `${ref}_q`,
      );
      const at = new Date(outcome.json.data.created_at as string).getTime();
      expect(at).toBeLessThanOrEqual(new Date(applied.json.data.timestamp as string).getTime());
    }
    const [failed] = await waitDelivered(
      'bulk_transaction.failed',
      (d) => d.batch_id === atomicBatch,
    );
    expect(failed.json.data).toEqual({
      batch_id: atomicBatch,
      status: 'failed',
      timestamp: expect.any(String),
      error: expect.stringMatching(/insufficient/i),
    });
    await waitDelivered('transaction.applied', (d) => d.reference === 'wh-plain-1_q');
    // A few sweeps later: still exactly one event per batch, none for the plain batch.
    await new Promise((r) => setTimeout(r, 1_500));
    const bulkEvents = receiver.received.filter(
      (r) => r.status === 200 && String(r.json.event).startsWith('bulk_transaction.'),
    );
    const ids = bulkEvents.map((r) => r.json.data.batch_id);
    expect(ids.filter((id) => id === batch)).toHaveLength(1);
    expect(ids.filter((id) => id === atomicBatch)).toHaveLength(1);
    expect(ids).not.toContain(plain.json.batch_id);
    // A later write to a finished batch is not a second end: the trigger writes only the
    // transition, whatever else updates the row.
    await t.ds.query(`UPDATE bulk_batches SET error = error WHERE batch_id = ANY($1)`, [
      [batch, atomicBatch],
    ]);
    const rows = await t.ds.query(
      `SELECT count(*)::int AS n FROM event_outbox WHERE entity_id = ANY($1)`,
      [[batch, atomicBatch]],
    );
    expect(rows).toEqual([{ n: 2 }]);
  });

  it('a balance monitor fires balance.monitor when its condition becomes true, and not before or again', async () => {
    const ledger = (await t.http('POST', '/ledgers', { name: 'monitored' })).json;
    const bal = (
      await t.http('POST', '/balances', { ledger_id: ledger.ledger_id, currency: 'USD' })
    ).json.balance_id as string;
    const monitor = await t.http('POST', '/balance-monitors', {
      balance_id: bal,
      condition: { field: 'balance', operator: '>', value: 10, precision: 100 },
    });
    expect(monitor.status).toBe(201);
    const fund = (reference: string, precise: number) =>
      t.http('POST', '/transactions', {
        precise_amount: precise,
        precision: 100,
        currency: 'USD',
        reference,
        description: 'monitor',
        source: '@World',
        destination: bal,
        allow_overdraft: true,
        skip_queue: true,
      });
    const fired = () =>
      delivered('balance.monitor', (d) => d.monitor_id === monitor.json.monitor_id);
    expect((await fund('wh-m1', 600)).status).toBe(201); // 6.00: not above 10
    await waitDelivered('transaction.applied', (d) => d.reference === 'wh-m1');
    expect(fired()).toEqual([]);
    expect((await fund('wh-m2', 600)).status).toBe(201); // 12.00: becomes true
    const [event] = await waitDelivered(
      'balance.monitor',
      (d) => d.monitor_id === monitor.json.monitor_id,
    );
    expect(event.json.data).toMatchObject({ balance_id: bal, condition: { operator: '>' } });
    expect(event.json.data).not.toHaveProperty('call_back_url');
    expect((await fund('wh-m3', 600)).status).toBe(201); // still true: no new firing
    await waitDelivered('transaction.applied', (d) => d.reference === 'wh-m3');
    await new Promise((r) => setTimeout(r, 300));
    expect(fired()).toHaveLength(1);
  });

  it('sends internal errors as system.error events, credentials removed, one per error per window', async () => {
    const notifier = t.app.get(ErrorNotifier);
    notifier.notify(
      new Error('connect to postgres://neraca:s3cret@db:5432/ledger failed'),
      'sweep',
    );
    notifier.notify(
      new Error('connect to postgres://neraca:s3cret@db:5432/ledger failed'),
      'sweep',
    );
    const [event] = await waitDelivered('system.error', (d) =>
      String(d.error).startsWith('sweep:'),
    );
    expect(event.json.data).toEqual({
      error: 'sweep: connect to postgres://neraca:***@db:5432/ledger failed',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(verify(event)).toBe(true);
    expect(event.body).not.toContain('s3cret');
    await new Promise((r) => setTimeout(r, 500));
    expect(delivered('system.error', (d) => String(d.error).startsWith('sweep:'))).toHaveLength(1);
  });

  it('lists deliveries by status and refuses bad queries in the envelope', async () => {
    const bad = await t.http('GET', '/webhook-deliveries?status=lost');
    expect(bad.status).toBe(400);
    expect(bad.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
    expect((await t.http('GET', '/webhook-deliveries?limit=0')).status).toBe(400);
    expect((await t.http('GET', '/webhook-deliveries?limit=x')).status).toBe(400);
    const missing = await t.http('POST', '/webhook-deliveries/evt_missing/redeliver');
    expect(missing.status).toBe(404);
    expect(missing.json.error_detail.code).toBe('GEN_NOT_FOUND');
  });
});

describe('webhook deliveries that keep failing', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let down = true;

  beforeAll(async () => {
    receiver = await startReceiver(() => (down ? 503 : 200));
    t = await startTestApp({ webhooks: settings(receiver.url, { maxAttempts: 2 }) });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('are marked failed after max_attempts, and redelivered on request with the same id', async () => {
    const ledger = await t.http('POST', '/ledgers', { name: 'down' });
    const failed = await waitFor(
      async () => {
        const r = await t.http('GET', '/webhook-deliveries?status=failed');
        const d = (r.json as { entity_id: string; event_id: string }[]).find(
          (x) => x.entity_id === ledger.json.ledger_id,
        );
        return d;
      },
      15_000,
      'a failed delivery',
    );
    expect(failed).toMatchObject({
      event: 'ledger.created',
      status: 'failed',
      attempts: 2,
      last_status: 503,
      last_error: 'HTTP 503',
    });
    const tries = receiver.received.filter((r) => r.headers['x-blnk-event-id'] === failed.event_id);
    expect(tries).toHaveLength(2);
    // The exhausted delivery is an internal error: one system.error event names it. That event
    // fails too (the receiver is down) and is not reported as another system.error.
    const systemErrors = () =>
      receiver.received.filter(
        (r) =>
          r.json.event === 'system.error' && String(r.json.data.error).includes(failed.event_id),
      );
    await waitFor(
      async () => (systemErrors().length >= 2 ? true : undefined),
      15_000,
      'system.error',
    );
    const errorEvent = systemErrors()[0];
    expect(errorEvent.json.data).toEqual({
      error: expect.stringContaining(
        `webhook ledger.created ${failed.event_id} failed after 2 attempts`,
      ),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const errorEventId = errorEvent.headers['x-blnk-event-id'];
    await waitFor(
      async () => {
        const r = await t.http('GET', '/webhook-deliveries?status=failed');
        return (
          (r.json as { event_id: string }[]).some((d) => d.event_id === errorEventId) || undefined
        );
      },
      15_000,
      'the system.error delivery failed',
    );
    await new Promise((r) => setTimeout(r, 1_000));
    expect(receiver.received.filter((r) => r.json.event === 'system.error')).toHaveLength(2);

    down = false;
    const again = await t.http('POST', `/webhook-deliveries/${failed.event_id}/redeliver`);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ event_id: failed.event_id, status: 'pending', attempts: 0 });
    await waitFor(
      async () =>
        receiver.received.some(
          (r) => r.status === 200 && r.headers['x-blnk-event-id'] === failed.event_id,
        ) || undefined,
      15_000,
      'the redelivery',
    );
  });
});

describe('without a webhook URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('keeps events as skipped: nothing is sent, nothing piles up as pending', async () => {
    await t.http('POST', '/ledgers', { name: 'quiet' });
    await waitFor(
      async () => {
        const r = await t.http('GET', '/webhook-deliveries?status=pending');
        return r.json.length === 0 ? true : undefined;
      },
      15_000,
      'no pending event',
    );
    const skipped = await t.http('GET', '/webhook-deliveries?status=skipped');
    expect(skipped.json.map((d: { event: string }) => d.event)).toContain('ledger.created');
  });
});
