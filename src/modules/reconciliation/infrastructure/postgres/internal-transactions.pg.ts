import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '@libs/core/unit-of-work';
import { isExclusive } from '@libs/persistence/data-source';
import { ReconciliationSettings } from '../../application/reconciliation-settings';
import { sql } from '@libs/persistence/tx';
import {
  CandidateQuery,
  InternalCandidate,
  InternalTransactions,
} from '../../application/ports/internal-transactions';
import { dateBoundArrays, microsToIso } from './reconciliation.mapper';

interface CandidateRow {
  k: number;
  transaction_id: string;
  amount: string;
  us: string;
  description: string | null;
  reference: string;
  currency: string;
}

/** What runs a statement: the batch's transaction, or the pool. */
interface Runner {
  query(sql: string, params: unknown[]): Promise<CandidateRow[]>;
}

/** What node-postgres' Pool tells of its connections. */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

const DEFAULTS = new ReconciliationSettings();

/** Searches a part of a split batch holds at least. */
export const MIN_PART = 32;

/**
 * One connection in embedded mode (PGlite has one session: a second connection's statement would
 * wait for the open transaction, which waits for it); else `wanted`
 * (reconciliation.search_connections), at most the pool's size.
 */
export function searchConnections(db: DataSource, wanted: number): number {
  if (isExclusive(db)) return 1;
  const max = Number((db.options.extra as { max?: unknown } | undefined)?.max ?? 10);
  return Math.max(1, Math.min(wanted, Number.isFinite(max) ? max : 1));
}

/** The UTC day of created_at, as `transactions_reconciliation_day_idx` keys it. */
const DAY = `((t.created_at AT TIME ZONE 'UTC')::date)`;
/** Date windows touching up to this many days are searched day by day (one range each). */
const DAY_SCANS = 32n;
const US_PER_DAY = 86_400_000_000n;
/**
 * The UTC days a window `width` wide may touch, from its first: at most ⌊width / day⌋ + 2. The
 * array is written out so the planner knows how many scans it costs (with a subquery it guesses
 * ten and prefers a bitmap of two one-dimensional indexes, ~8× slower).
 */
const days = (width: bigint) =>
  `ARRAY[${Array.from(
    { length: Number(width / US_PER_DAY + 2n) },
    (_, i) => `(q.dlo AT TIME ZONE 'UTC')::date + ${i}`,
  ).join(', ')}]`;

/**
 * Candidates of a whole batch in one statement: the batch's bounds as arrays, each row's
 * candidates by a LATERAL scan of `transactions_reconciliation_day_idx` (currency, UTC day,
 * amount, created_at): with a date window, one (currency, day, amount range) range per day it
 * touches, so both bounds narrow the scan (a wider window is one range over its days, amount and
 * created_at tested in the index). Conditions are written only for the bounds the batch has, so
 * the planner sees plain ranges. The bucket condition is implied by the created_at one: it never
 * leaves out a candidate.
 */
@Injectable()
export class InternalTransactionsPg extends InternalTransactions {
  /** Connections one batch's search may use at once, the transaction's own included. */
  private readonly connections: number;

  constructor(
    private readonly db?: DataSource,
    settings?: ReconciliationSettings,
  ) {
    super();
    this.connections = db ? searchConnections(db, (settings ?? DEFAULTS).searchConnections) : 1;
  }

  /**
   * The batch's searches, split across connections when it is large enough: each search is
   * PostgreSQL's work alone (~0.1 ms of one core per row, index descents and the window's rows
   * ordered), so two connections nearly halve the time on two cores (1M × 100k: 10.1 s on one, 5.7 s on
   * two, measured with the bench's statement). A part's own connection reads what the
   * transaction would: the transaction is READ COMMITTED (a fresh snapshot per statement either
   * way) and has written nothing the search reads. many_to_one's searches read the run's claims,
   * which its transaction writes: they stay on it. Only connections the pool can lend now are
   * used: a part queued for one that another holder keeps would wait out the pool's acquire
   * timeout (10 s) on every batch. A part that cannot have a connection of its own after all
   * runs on the transaction's.
   */
  async candidates(
    tx: Tx,
    queries: CandidateQuery[],
    limit: number,
    unclaimedBy?: string,
  ): Promise<InternalCandidate[][]> {
    const parts =
      unclaimedBy === undefined && this.db
        ? Math.min(this.connections, Math.floor(queries.length / MIN_PART), 1 + this.spare())
        : 1;
    if (parts <= 1) return this.search(sql(tx), queries, limit, unclaimedBy);
    const size = Math.ceil(queries.length / parts);
    const chunks = Array.from({ length: parts }, (_, i) => queries.slice(i * size, (i + 1) * size));
    const db = this.db!;
    const found = await Promise.all(
      chunks.map((c, i) =>
        i === 0 ? this.search(sql(tx), c, limit) : this.search(db, c, limit).catch(() => null),
      ),
    );
    const out: InternalCandidate[][] = [];
    for (const [i, f] of found.entries())
      out.push(...(f ?? (await this.search(sql(tx), chunks[i], limit))));
    return out;
  }

  /** Connections the pool could lend at once (node-postgres' Pool behind TypeORM's driver). */
  private spare(): number {
    const pool = (this.db?.driver as { master?: PoolCounts } | undefined)?.master;
    if (!pool || typeof pool.totalCount !== 'number') return this.connections - 1;
    const max = Number(pool.options?.max ?? this.connections);
    return Math.max(0, pool.idleCount + (max - pool.totalCount) - pool.waitingCount);
  }

  private async search(
    runner: Runner,
    queries: CandidateQuery[],
    limit: number,
    unclaimedBy?: string,
  ): Promise<InternalCandidate[][]> {
    if (!queries.length) return [];
    const first = queries[0];
    const where = first.currency !== undefined ? ['t.currency = q.cur'] : ['true'];
    // $9 is always bound (the arrays after it have fixed places): without claims it is null.
    where.push(
      unclaimedBy !== undefined
        ? `NOT EXISTS (SELECT 1 FROM reconciliation_claims rc
            WHERE rc.reconciliation_id = $9 AND rc.internal_transaction_id = t.transaction_id)`
        : '$9::text IS NULL',
    );
    if (first.bounds.amountLow !== undefined) where.push('t.amount BETWEEN q.alo AND q.ahi');
    const lo = first.bounds.dateLowMicros;
    const hi = first.bounds.dateHighMicros;
    // Every query of a batch has the same drifts, so the same window width.
    // The index leads with the currency: without one (many_to_one) the day says nothing to it.
    const keyed = first.currency !== undefined && lo !== undefined && hi !== undefined;
    if (keyed) {
      where.push(
        (hi - lo) / US_PER_DAY + 2n <= DAY_SCANS
          ? `${DAY} = ANY(${days(hi - lo)})`
          : `${DAY} BETWEEN (q.dlo AT TIME ZONE 'UTC')::date AND (q.dhi AT TIME ZONE 'UTC')::date`,
      );
    }
    if (lo !== undefined) where.push('t.created_at BETWEEN q.dlo AND q.dhi');
    if (first.after) where.push('(t.created_at, t.transaction_id) > (q.aat, q.aid)');
    if (first.within) where.push('abs(q.wam - t.amount) <= abs(t.amount) * q.wdr');
    const rows: CandidateRow[] = await runner.query(
      `SELECT q.k, c.transaction_id, c.amount::text AS amount,
              (extract(epoch FROM c.created_at) * 1000000)::bigint::text AS us,
              c.description, c.reference, c.currency
         FROM unnest($1::text[], $2::numeric[], $3::numeric[], $4::timestamptz[], $5::timestamptz[],
                     $6::timestamptz[], $7::text[], $10::numeric[], $11::numeric[])
              WITH ORDINALITY AS q(cur, alo, ahi, dlo, dhi, aat, aid, wam, wdr, k)
         CROSS JOIN LATERAL (
           SELECT t.transaction_id, t.amount, t.created_at, t.description, t.reference, t.currency
             FROM transactions t WHERE ${where.join(' AND ')}
            ORDER BY t.created_at, t.transaction_id LIMIT $8) c
        ORDER BY q.k, c.created_at, c.transaction_id`,
      [
        queries.map((q) => q.currency ?? null),
        queries.map((q) => q.bounds.amountLow ?? null),
        queries.map((q) => q.bounds.amountHigh ?? null),
        ...dateBoundArrays(queries.map((q) => q.bounds)),
        queries.map((q) => (q.after ? microsToIso(q.after.dateMicros) : null)),
        queries.map((q) => q.after?.transactionId ?? null),
        limit,
        unclaimedBy ?? null,
        queries.map((q) => q.within?.amount ?? null),
        queries.map((q) => q.within?.drift ?? null),
      ],
    );
    const out: InternalCandidate[][] = queries.map(() => []);
    for (const r of rows) {
      out[Number(r.k) - 1].push({
        transactionId: r.transaction_id,
        amount: r.amount,
        dateMicros: BigInt(r.us),
        description: r.description ?? '',
        reference: r.reference,
        currency: r.currency,
      });
    }
    return out;
  }
}
