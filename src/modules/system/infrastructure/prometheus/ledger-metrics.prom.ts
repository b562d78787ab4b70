import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { CountedRow, DrainBatch, LedgerMetrics } from '@libs/telemetry/ledger-metrics';
import { MetricsRegistry } from './metrics-registry';

/** Past this many currencies, further ones are counted as `other` (a label is a series each). */
const MAX_CURRENCIES = 100;

/**
 * The ledger's counters in Prometheus, named as Blnk's (reference §10.5) where Blnk has one.
 * Counted in the process that did the work: acceptance in the API, outcomes and batches where
 * the lanes are drained (`neraca workers`, or the API itself in embedded mode).
 */
@Injectable()
export class PromLedgerMetrics extends LedgerMetrics {
  private readonly transactions: Counter<'status' | 'currency'>;
  private readonly rejected: Counter<'reason'>;
  private readonly batchSize: Histogram;
  private readonly batches: Counter<'result'>;
  private readonly batchDuration: Histogram<'result'>;
  private readonly currencies = new Set<string>();

  constructor(metrics: MetricsRegistry) {
    super();
    const registers = [metrics.registry];
    this.transactions = new Counter({
      name: 'blnk_transaction_total',
      help: 'Transaction rows by the status they reached: QUEUED or SCHEDULED when accepted, APPLIED, INFLIGHT or REJECTED when a drain applied them',
      labelNames: ['status', 'currency'],
      registers,
    });
    this.rejected = new Counter({
      name: 'blnk_transaction_rejected_total',
      help: 'Queued transaction rows rejected by a drain, by reason code',
      labelNames: ['reason'],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'blnk_transaction_batch_size',
      help: 'Queued work items per drain batch',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    });
    this.batches = new Counter({
      name: 'blnk_transaction_batch_total',
      help: 'Drain batches by result: committed, or failed (rolled back, its work retried)',
      labelNames: ['result'],
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'neraca_drain_batch_duration_seconds',
      help: 'Duration of a drain batch, from taking the lane lock to the end of its transaction',
      labelNames: ['result'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  rows(rows: readonly CountedRow[]): void {
    for (const r of rows) {
      const currency = this.currency(r.currency, r.stored !== false);
      this.transactions.inc({ status: r.status, currency });
      if (r.status === 'REJECTED') this.rejected.inc({ reason: r.reason ?? 'unknown' });
    }
  }

  drainBatch(b: DrainBatch): void {
    this.batches.inc({ result: b.result });
    this.batchSize.observe(b.size);
    this.batchDuration.observe({ result: b.result }, b.seconds);
  }

  /** Only a row the database holds gives a currency a label of its own. */
  private currency(c: string, claim: boolean): string {
    if (this.currencies.has(c)) return c;
    if (!claim || this.currencies.size >= MAX_CURRENCIES) return 'other';
    this.currencies.add(c);
    return c;
  }
}
