import { createHmac } from 'node:crypto';
import { FixedClock } from '../../../../test/support/fakes/in-memory';
import { ErrorNotifier } from '../../notification/application/ports/error-notifier';
import type { AttemptResult, DeliveryStatus, OutboxEvent } from '../domain/webhook';
import { ChangeReactions, DerivedEvent } from './ports/change-reactions';
import { EventPayloads } from './ports/event-payloads';
import { OutboxRepository } from './ports/outbox.repository';
import { WebhookSender } from './ports/webhook-sender';
import { WebhookRelay } from './webhook-relay';
import { WebhookSettings } from './webhook-settings';

/** The outbox in memory, leases included (the PostgreSQL adapter is tested end to end). */
class MemoryOutbox extends OutboxRepository {
  events: (OutboxEvent & { leaseUntil?: Date })[] = [];
  add(event: string, data: Record<string, unknown>, at: Date): OutboxEvent {
    const e = {
      seq: String(this.events.length + 1),
      eventId: `evt_${this.events.length + 1}`,
      event,
      entity: 'raw',
      entityId: 'x',
      snapshot: data,
      createdAt: at,
      status: 'pending' as DeliveryStatus,
      attempts: 0,
      nextAttemptAt: at,
      lastError: null,
      lastStatus: null,
      deliveredAt: null,
    };
    this.events.push(e);
    return e;
  }
  async claim(limit: number, now: Date, leaseUntil: Date): Promise<OutboxEvent[]> {
    const due = this.events
      .filter((e) => e.status === 'pending' && e.nextAttemptAt <= now)
      .filter((e) => !e.leaseUntil || e.leaseUntil < now)
      .slice(0, limit);
    for (const e of due) e.leaseUntil = leaseUntil;
    return due.map((e) => ({ ...e }));
  }
  private find(seq: string) {
    return this.events.find((e) => e.seq === seq)!;
  }
  /** Statements the relay ran to record deliveries (it batches them per round). */
  deliveredCalls = 0;
  async markDelivered(delivered: { seq: string; status: number }[], at: Date): Promise<void> {
    this.deliveredCalls++;
    for (const { seq, status } of delivered) {
      Object.assign(this.find(seq), { status: 'delivered', lastStatus: status, deliveredAt: at });
      this.find(seq).attempts++;
      this.find(seq).leaseUntil = undefined;
    }
  }
  async markAttemptFailed(
    seq: string,
    error: string,
    status: number | null,
    next: { nextAttemptAt: Date } | { failed: true },
  ): Promise<void> {
    const e = this.find(seq);
    e.attempts++;
    e.lastError = error;
    e.lastStatus = status;
    e.leaseUntil = undefined;
    if ('failed' in next) e.status = 'failed';
    else e.nextAttemptAt = next.nextAttemptAt;
  }
  async complete(seq: string, derived: DerivedEvent[]): Promise<void> {
    const e = this.find(seq);
    if (e.status !== 'pending') return;
    e.status = 'skipped';
    e.leaseUntil = undefined;
    for (const d of derived) {
      const added = this.add(d.event, d.data, e.createdAt);
      added.entity = d.entity;
      added.entityId = d.entityId;
    }
  }
  async markSkipped(seqs: string[]): Promise<void> {
    for (const s of seqs) Object.assign(this.find(s), { status: 'skipped', lastError: 'no URL' });
  }
  async prune(): Promise<number> {
    return 0;
  }
  async list(): Promise<OutboxEvent[]> {
    return this.events;
  }
  async get(id: string): Promise<OutboxEvent | undefined> {
    return this.events.find((e) => e.eventId === id);
  }
  async redeliver(filter: { eventId: string } | { status: 'failed' }): Promise<number> {
    const hit = this.events.filter((e) =>
      'eventId' in filter ? e.eventId === filter.eventId : e.status === 'failed',
    );
    // As the PostgreSQL adapter: due now, attempts reset, the last outcome kept.
    for (const e of hit)
      Object.assign(e, { status: 'pending', attempts: 0, leaseUntil: undefined });
    return hit.length;
  }
}

class ScriptedSender extends WebhookSender {
  calls: { url: string; headers: Record<string, string>; body: string }[] = [];
  constructor(private readonly answers: AttemptResult[]) {
    super();
  }
  async post(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
    this.calls.push({ url, headers, body });
    return this.answers.shift() ?? { status: 200 };
  }
}

class RecordingNotifier extends ErrorNotifier {
  notices: string[] = [];
  notify(error: unknown): void {
    this.notices.push(String(error));
  }
}

/** A balance change fires one monitor when its `after.balance` is above 100. */
class AboveHundred extends ChangeReactions {
  observed: string[] = [];
  override observe(event: string): void {
    this.observed.push(event);
  }
  async react(entity: string, snapshot: Record<string, unknown>): Promise<DerivedEvent[]> {
    const after = snapshot.after as { balance: bigint; balance_id: string };
    if (entity !== 'balance-change' || after.balance <= 100n) return [];
    return [{ event: 'balance.monitor', entity: 'raw', entityId: 'mon_1', data: { n: 1 } }];
  }
}

class RawPayloads extends EventPayloads {
  async payload(_entity: string, snapshot: Record<string, unknown>): Promise<unknown> {
    return snapshot;
  }
}

function setup(answers: AttemptResult[], over: { url?: string; maxAttempts?: number } = {}) {
  const clock = new FixedClock();
  const outbox = new MemoryOutbox();
  const sender = new ScriptedSender(answers);
  const notifier = new RecordingNotifier();
  const settings = new WebhookSettings(
    over.url ?? 'http://receiver.test/hook',
    { 'x-extra': '1' },
    'secret',
    over.maxAttempts ?? 3,
    1000,
    5000,
    3_600_000,
  );
  const reactions = new AboveHundred();
  const relay = new WebhookRelay(
    outbox,
    sender,
    new RawPayloads(),
    settings,
    clock,
    notifier,
    reactions,
  );
  relay.random = () => 0;
  return { clock, outbox, sender, notifier, relay, reactions };
}

describe('WebhookRelay', () => {
  it('posts {event, data}, signed over the exact body, with the event id and extra headers', async () => {
    const s = setup([{ status: 204 }]);
    s.outbox.add('ledger.created', { ledger_id: 'ldg_1', n: 90071992547409930n }, s.clock.now());
    expect(await s.relay.deliverDue()).toBe(1);
    const [call] = s.sender.calls;
    expect(call.body).toBe(
      '{"event":"ledger.created","data":{"ledger_id":"ldg_1","n":90071992547409930}}',
    );
    const ts = call.headers['x-blnk-timestamp'];
    expect(call.headers['x-blnk-signature']).toBe(
      createHmac('sha256', 'secret').update(`${ts}.${call.body}`).digest('hex'),
    );
    expect(call.headers).toMatchObject({ 'x-blnk-event-id': 'evt_1', 'x-extra': '1' });
    expect(s.outbox.events[0]).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 204 });
  });

  it('records a round of deliveries in one statement, and a failed one of them on its own', async () => {
    const s = setup([{ status: 200 }, { status: 500 }, { status: 201 }]);
    for (const n of [1, 2, 3]) s.outbox.add('ledger.created', { n }, s.clock.now());
    expect(await s.relay.deliverDue()).toBe(3);
    expect(s.outbox.deliveredCalls).toBe(1);
    expect(s.outbox.events.map((e) => [e.status, e.lastStatus, e.attempts])).toEqual([
      ['delivered', 200, 1],
      ['pending', 500, 1],
      ['delivered', 201, 1],
    ]);
  });

  it('retries after 5 s, then 10 s; the same event id each time; not before it is due', async () => {
    const s = setup([{ status: 500 }, { error: 'ECONNREFUSED' }, { status: 200 }]);
    s.outbox.add('ledger.created', { a: 1 }, s.clock.now());
    await s.relay.deliverDue();
    expect(s.outbox.events[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'HTTP 500',
    });
    expect(await s.relay.deliverDue()).toBe(0);
    s.clock.current = new Date(s.clock.current.getTime() + 5000);
    await s.relay.deliverDue();
    expect(s.outbox.events[0]).toMatchObject({ attempts: 2, lastError: 'ECONNREFUSED' });
    s.clock.current = new Date(s.clock.current.getTime() + 9999);
    expect(await s.relay.deliverDue()).toBe(0);
    s.clock.current = new Date(s.clock.current.getTime() + 1);
    await s.relay.deliverDue();
    expect(s.outbox.events[0]).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(new Set(s.sender.calls.map((c) => c.headers['x-blnk-event-id']))).toEqual(
      new Set(['evt_1']),
    );
    expect(s.notifier.notices).toEqual([]);
  });

  it('marks a delivery failed after max_attempts and tells the operators once', async () => {
    const s = setup([{ status: 503 }, { status: 503 }], { maxAttempts: 2 });
    s.outbox.add('ledger.created', { a: 1 }, s.clock.now());
    await s.relay.deliverDue();
    s.clock.current = new Date(s.clock.current.getTime() + 60_000);
    await s.relay.deliverDue();
    expect(s.outbox.events[0]).toMatchObject({ status: 'failed', attempts: 2, lastStatus: 503 });
    expect(s.notifier.notices).toHaveLength(1);
    expect(s.notifier.notices[0]).toContain('evt_1');
    s.clock.current = new Date(s.clock.current.getTime() + 3_600_000);
    expect(await s.relay.deliverDue()).toBe(0);
  });

  it('without a URL sends nothing and keeps the events as skipped', async () => {
    const s = setup([], { url: '' });
    s.outbox.add('ledger.created', { a: 1 }, s.clock.now());
    expect(await s.relay.deliverDue()).toBe(1);
    expect(s.sender.calls).toEqual([]);
    expect(s.outbox.events[0].status).toBe('skipped');
  });

  it('a leased event is not taken again until its lease expires (a process died mid-delivery)', async () => {
    const s = setup([]);
    s.outbox.add('ledger.created', { a: 1 }, s.clock.now());
    const now = s.clock.now();
    await s.outbox.claim(10, now, new Date(now.getTime() + 91_000));
    expect(await s.relay.deliverDue()).toBe(0);
    s.clock.current = new Date(now.getTime() + 91_001);
    expect(await s.relay.deliverDue()).toBe(1);
    expect(s.outbox.events[0].status).toBe('delivered');
  });

  it('evaluates an internal balance change once: the monitor event it gives rise to is delivered, the change never is', async () => {
    const s = setup([]);
    const change = s.outbox.add(
      'balance.changed',
      { before: { balance: 50n }, after: { balance: 150n, balance_id: 'bln_1' } },
      s.clock.now(),
    );
    change.entity = 'balance-change';
    s.outbox.events[0].entity = 'balance-change';
    await s.relay.deliverDue();
    expect(s.outbox.events.map((e) => [e.event, e.status])).toEqual([
      ['balance.changed', 'skipped'],
      ['balance.monitor', 'pending'],
    ]);
    await s.relay.deliverDue();
    expect(s.sender.calls.map((c) => JSON.parse(c.body).event)).toEqual(['balance.monitor']);
    expect(s.outbox.events[1].status).toBe('delivered');
  });

  it('observes an event once (POST hooks), not again on its retries or when an operator redelivers it', async () => {
    const s = setup([{ status: 503 }, { status: 503 }, { status: 200 }], { maxAttempts: 2 });
    s.outbox.add('transaction.applied', { a: 1 }, s.clock.now());
    await s.relay.deliverDue();
    s.clock.current = new Date(s.clock.current.getTime() + 60_000);
    await s.relay.deliverDue();
    expect(s.outbox.events[0].status).toBe('failed');
    expect(await s.outbox.redeliver({ eventId: 'evt_1' })).toBe(1);
    await s.relay.deliverDue();
    expect(s.outbox.events[0].status).toBe('delivered');
    expect(s.reactions.observed).toEqual(['transaction.applied']);
  });

  it('observes events kept as skipped (no URL) once, and not again when one is redelivered', async () => {
    const s = setup([], { url: '' });
    s.outbox.add('transaction.applied', { a: 1 }, s.clock.now());
    await s.relay.deliverDue();
    await s.outbox.redeliver({ eventId: 'evt_1' });
    await s.relay.deliverDue();
    expect(s.reactions.observed).toEqual(['transaction.applied']);
  });
});
