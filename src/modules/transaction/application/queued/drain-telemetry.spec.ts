import { CountedRow, DrainBatch, LedgerMetrics } from '@libs/telemetry/ledger-metrics';
import { DrainTelemetry } from './drain-telemetry';
import type { QueuedWorkItem } from './ports/queued-work.repository';

class Recorded extends LedgerMetrics {
  readonly counted: CountedRow[] = [];
  readonly batches: DrainBatch[] = [];
  rows(rows: readonly CountedRow[]): void {
    this.counted.push(...rows);
  }
  drainBatch(b: DrainBatch): void {
    this.batches.push(b);
  }
}

const item = (traceParent?: string): QueuedWorkItem =>
  ({ kind: 'transaction', traceParent }) as QueuedWorkItem;

/** What one drain batch attempt counts: only what its committed transaction wrote. */
describe('DrainTelemetry', () => {
  it('counts the outcomes and the batch once the batch has committed', () => {
    const m = new Recorded();
    const t = new DrainTelemetry(3, m);
    t.within([item(), item()], () => {
      t.outcome({ status: 'APPLIED', currency: 'USD' });
      t.outcome({ status: 'REJECTED', currency: 'USD', reason: 'TXN_INSUFFICIENT_FUNDS' });
    });
    expect(m.counted).toEqual([]); // not before the commit
    t.committed();
    expect(m.counted.map((r) => r.status)).toEqual(['APPLIED', 'REJECTED']);
    expect(m.batches).toEqual([expect.objectContaining({ lane: 3, size: 2, result: 'committed' })]);
  });

  it('a rolled-back batch counts as failed and none of its outcomes', () => {
    const m = new Recorded();
    const t = new DrainTelemetry(1, m);
    t.within([item()], () => t.outcome({ status: 'APPLIED', currency: 'USD' }));
    t.failed(new Error('connection lost'));
    expect(m.counted).toEqual([]);
    expect(m.batches).toEqual([expect.objectContaining({ size: 1, result: 'failed' })]);
  });

  it('a pass that took nothing is no batch', () => {
    const m = new Recorded();
    new DrainTelemetry(0, m).committed();
    expect(m.batches).toEqual([]);
    expect(m.counted).toEqual([]);
  });
});
