import type { Clock } from '@libs/core/clock';
import { BalanceAmounts, zeroAmounts } from '../../balance/domain/balance';
import { BalanceMonitor, monitorCondition, MonitorInput } from '../domain/monitor';
import { MonitorCache } from './monitor-cache';
import { MonitorEvaluator } from './monitor-evaluator.service';
import { MonitorRepository } from './ports/monitor.repository';

/** In-memory monitors that count the per-balance queries. */
class MemoryMonitors extends MonitorRepository {
  rows: BalanceMonitor[] = [];
  queries = 0;
  gate?: Promise<void>;
  async insert(_tx: unknown, m: BalanceMonitor): Promise<void> {
    this.rows.push(m);
  }
  async findById(id: string) {
    return this.rows.find((m) => m.monitorId === id) ?? null;
  }
  async list(limit: number) {
    return this.rows.slice(0, limit);
  }
  async listByBalance(balanceId: string) {
    this.queries++;
    const snapshot = this.rows.filter((m) => m.balanceId === balanceId);
    await this.gate;
    return snapshot;
  }
  async update(_tx: unknown, m: BalanceMonitor) {
    const i = this.rows.findIndex((r) => r.monitorId === m.monitorId);
    if (i < 0) return null;
    const previous = this.rows[i].balanceId;
    this.rows[i] = m;
    return previous;
  }
  async delete(_tx: unknown, id: string) {
    const m = this.rows.find((r) => r.monitorId === id);
    this.rows = this.rows.filter((r) => r !== m);
    return m?.balanceId ?? null;
  }
}

class FakeClock implements Clock {
  ms = Date.parse('2026-12-01T10:00:00Z');
  now() {
    return new Date(this.ms);
  }
}

let seq = 0;
const monitor = (balanceId: string, over: Partial<MonitorInput> = {}): BalanceMonitor => ({
  monitorId: `mon_${++seq}`,
  balanceId,
  description: 'd',
  callBackUrl: 'https://secret.example/cb',
  createdAt: new Date('2026-12-01T09:00:00Z'),
  condition: monitorCondition({
    balanceId,
    field: 'balance',
    operator: '>',
    value: 10,
    precision: 100,
    ...over,
  }),
});
const bal = (balance: bigint): BalanceAmounts => ({
  ...zeroAmounts(),
  balance,
  creditBalance: balance > 0n ? balance : 0n,
  debitBalance: balance < 0n ? -balance : 0n,
});

describe('MonitorEvaluator', () => {
  let repo: MemoryMonitors;
  let clock: FakeClock;
  let cache: MonitorCache;
  let evaluator: MonitorEvaluator;
  beforeEach(() => {
    repo = new MemoryMonitors();
    clock = new FakeClock();
    cache = new MonitorCache(clock);
    evaluator = new MonitorEvaluator(repo, cache);
  });

  it("returns the monitors that fire, with Blnk's balance.monitor payload", async () => {
    const over = monitor('bln_a');
    const under = monitor('bln_a', { operator: '<', value: -1 });
    repo.rows.push(over, under, monitor('bln_b'));
    const fired = await evaluator.evaluate('bln_a', bal(500n), bal(1500n));
    expect(fired).toEqual([
      {
        event: 'balance.monitor',
        monitorId: over.monitorId,
        balanceId: 'bln_a',
        data: {
          monitor_id: over.monitorId,
          balance_id: 'bln_a',
          description: 'd',
          created_at: '2026-12-01T09:00:00.000Z',
          condition: {
            field: 'balance',
            operator: '>',
            value: 10n,
            precision: 100n,
            precise_value: 1000n,
          },
        },
      },
    ]);
    expect(
      JSON.stringify(fired, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
    ).not.toContain('secret.example');
    expect(await evaluator.evaluate('bln_a', bal(1500n), bal(1600n))).toEqual([]);
    expect(
      (await evaluator.evaluate('bln_a', bal(0n), bal(-101n))).map((f) => f.monitorId),
    ).toEqual([under.monitorId]);
  });

  it('shows a fractional threshold as a float and a whole one exactly', async () => {
    repo.rows.push(monitor('bln_f', { value: 10.5 }), monitor('bln_f', { value: 2n ** 70n }));
    const fired = await evaluator.evaluate('bln_f', null, bal(2n ** 80n));
    expect(fired.map((f) => f.data.condition.value)).toEqual([10.5, 2n ** 70n]);
    expect(fired[1].data.condition.precise_value).toBe(2n ** 70n * 100n);
  });

  it('has nothing for a balance without monitors, or one that does not exist', async () => {
    expect(await evaluator.evaluate('bln_missing', null, bal(10n ** 30n))).toEqual([]);
  });

  it('queries a balance once while its cache entry lives, again after the TTL', async () => {
    repo.rows.push(monitor('bln_c'));
    await Promise.all([1, 2, 3].map(() => evaluator.evaluate('bln_c', bal(0n), bal(1n))));
    await evaluator.evaluate('bln_c', bal(0n), bal(1n));
    expect(repo.queries).toBe(1);
    clock.ms += 5_001;
    await evaluator.evaluate('bln_c', bal(0n), bal(1n));
    expect(repo.queries).toBe(2);
  });

  it('sees a change at once once the cache is invalidated', async () => {
    await evaluator.evaluate('bln_d', bal(0n), bal(5000n));
    repo.rows.push(monitor('bln_d'));
    expect(await evaluator.evaluate('bln_d', bal(0n), bal(5000n))).toEqual([]); // cached: none
    cache.invalidate('bln_d');
    expect(await evaluator.evaluate('bln_d', bal(0n), bal(5000n))).toHaveLength(1);
  });

  it('does not keep a load that raced an invalidation', async () => {
    let release!: () => void;
    repo.gate = new Promise<void>((r) => (release = r));
    const stale = evaluator.evaluate('bln_e', bal(0n), bal(5000n)); // reads: no monitors
    await Promise.resolve();
    repo.rows.push(monitor('bln_e'));
    cache.invalidate('bln_e'); // a create committed while the read was in flight
    release();
    expect(await stale).toEqual([]);
    repo.gate = undefined;
    expect(await evaluator.evaluate('bln_e', bal(0n), bal(5000n))).toHaveLength(1);
  });

  it('forgets the oldest balances beyond its size', async () => {
    const small = new MonitorCache(clock, 60_000, 2);
    const load = async () => [];
    for (const id of ['x', 'y', 'z']) await small.get(id, load);
    let loads = 0;
    await small.get('x', async () => (loads++, []));
    await small.get('z', async () => (loads++, []));
    expect(loads).toBe(1);
  });

  it('passes a failing query to the caller and caches nothing', async () => {
    const failing = new MonitorCache(clock);
    await expect(failing.get('f', () => Promise.reject(new Error('db down')))).rejects.toThrow(
      'db down',
    );
    await expect(failing.get('f', async () => [])).resolves.toEqual([]);
  });
});
