import type { CountedRow, LedgerMetrics } from '@libs/telemetry/ledger-metrics';
import { LinkedSpan, linkedSpan } from '@libs/telemetry/trace-context';
import type { QueuedWorkItem } from './ports/queued-work.repository';

/**
 * What one drain batch attempt reports: a span (created once the batch's work is known, dated
 * from the attempt's start) linked to the trace context of every request it serves, and, once
 * the batch's database transaction has ended, the batch metrics and the outcomes it committed.
 * Nothing is counted for an attempt that rolled back: its work is applied again later, and
 * counted then.
 */
export class DrainTelemetry {
  private readonly startedAt = Date.now();
  private readonly started = process.hrtime.bigint();
  private span?: LinkedSpan;
  private size = 0;
  private readonly outcomes: CountedRow[] = [];

  constructor(
    private readonly lane: number,
    private readonly metrics: LedgerMetrics,
  ) {}

  /** The batch took `items`: runs the rest of it in the batch's span. */
  within<T>(items: QueuedWorkItem[], fn: () => T): T {
    this.size = items.length;
    this.span = linkedSpan(
      'neraca.drain.batch',
      items.map((i) => i.traceParent),
      {
        'neraca.lane': this.lane,
        'neraca.batch.size': items.length,
        'neraca.work.kind': items[0].kind,
      },
      this.startedAt,
    );
    return this.span.run(fn);
  }

  /** An outcome row the batch wrote (counted if the batch commits). */
  outcome(row: CountedRow): void {
    this.outcomes.push(row);
  }

  committed(): void {
    this.finish('committed');
    if (this.outcomes.length) this.metrics.rows(this.outcomes);
  }

  failed(error: unknown): void {
    this.outcomes.length = 0; // rolled back: none of them happened
    this.finish('failed', error);
  }

  private finish(result: 'committed' | 'failed', error?: unknown): void {
    if (!this.size) return;
    const seconds = Number(process.hrtime.bigint() - this.started) / 1e9;
    this.metrics.drainBatch({ lane: this.lane, size: this.size, seconds, result });
    const count = (status: string) => this.outcomes.filter((o) => o.status === status).length;
    this.span?.end(
      {
        'neraca.batch.result': result,
        'neraca.batch.applied': count('APPLIED'),
        'neraca.batch.inflight': count('INFLIGHT'),
        'neraca.batch.rejected': count('REJECTED'),
      },
      error,
    );
  }
}
