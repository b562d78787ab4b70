import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '@libs/core/unit-of-work';
import { sql } from '@libs/persistence/tx';
import {
  BatchOutcome,
  ExternalRow,
  ReconciliationRepository,
} from '../../application/ports/reconciliation.repository';
import type { MatchRecord, Reconciliation, UnmatchedRecord } from '../../domain/reconciliation';
import {
  matchOf,
  MatchRow,
  RUN_COLUMNS,
  ruleJson,
  runOf,
  RunRow,
  unmatchedOf,
} from './reconciliation.mapper';

const OPEN = `status IN ('started', 'in_progress')`;

/**
 * The smallest and largest seq of a batch's results. The join with external_transactions is
 * bounded by them: with only the array, the planner, which knows its length, hashes the whole
 * table (every upload ever stored) for each batch; 100,000 stored rows made each 1,000-row
 * insert ~90 ms instead of ~10.
 */
function seqRange(rows: readonly { externalSeq: bigint }[]): [string, string] {
  let lo = rows[0].externalSeq;
  let hi = lo;
  for (const r of rows) {
    if (r.externalSeq < lo) lo = r.externalSeq;
    if (r.externalSeq > hi) hi = r.externalSeq;
  }
  return [lo.toString(), hi.toString()];
}

@Injectable()
export class ReconciliationPgRepository extends ReconciliationRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async insert(tx: Tx, r: Reconciliation): Promise<void> {
    await sql(tx).query(
      `INSERT INTO reconciliations
         (reconciliation_id, upload_id, strategy, grouping_criteria, rules, dry_run, status, total, started_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, 'started', $7, $8)`,
      [
        r.reconciliationId,
        r.uploadId,
        r.strategy,
        r.groupingCriteria,
        JSON.stringify(r.rules.map(ruleJson)),
        r.dryRun,
        r.total,
        r.startedAt,
      ],
    );
  }

  async findById(id: string): Promise<Reconciliation | null> {
    const rows: RunRow[] = await this.db.query(
      `SELECT ${RUN_COLUMNS} FROM reconciliations WHERE reconciliation_id = $1`,
      [id],
    );
    return rows.length ? runOf(rows[0]) : null;
  }

  async lease(owner: string, leaseMs: number): Promise<Reconciliation | null> {
    const rows: RunRow[] = await this.db.query(
      `WITH u AS (UPDATE reconciliations SET lease_owner = $1,
              lease_until = clock_timestamp() + $2 * interval '1 millisecond',
              status = 'in_progress', running_since = COALESCE(running_since, clock_timestamp())
        WHERE reconciliation_id = (
          SELECT reconciliation_id FROM reconciliations
           WHERE ${OPEN} AND (lease_until IS NULL OR lease_until < clock_timestamp())
           ORDER BY started_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING ${RUN_COLUMNS}) SELECT * FROM u`,
      [owner, leaseMs],
    );
    return rows.length ? runOf(rows[0]) : null;
  }

  async externalRows(
    tx: Tx,
    uploadId: string,
    afterSeq: bigint,
    limit: number,
  ): Promise<ExternalRow[]> {
    const rows: {
      seq: string;
      external_id: string;
      amount: string;
      us: string;
      description: string;
      reference: string;
      currency: string;
    }[] = await sql(tx).query(
      `SELECT seq::text AS seq, external_id, amount::text AS amount,
              (extract(epoch FROM date) * 1000000)::bigint::text AS us, description, reference, currency
         FROM external_transactions e WHERE upload_id = $1 AND seq > $2 ORDER BY e.seq LIMIT $3`,
      [uploadId, afterSeq.toString(), limit],
    );
    return rows.map((r) => ({
      seq: BigInt(r.seq),
      externalId: r.external_id,
      amount: r.amount,
      dateMicros: BigInt(r.us),
      description: r.description,
      reference: r.reference,
      currency: r.currency,
    }));
  }

  async recordMatches(tx: Tx, id: string, matches: MatchRecord[]): Promise<void> {
    if (!matches.length) return;
    // Amount and date from the stored external row itself: exact, microseconds included.
    await sql(tx).query(
      `INSERT INTO reconciliation_matches
         (reconciliation_id, external_seq, external_id, internal_transaction_id, amount, date, rule_id)
       SELECT $1, e.seq, e.external_id, m.internal, e.amount, e.date, m.rule
         FROM unnest($2::bigint[], $3::text[], $4::text[]) AS m(seq, internal, rule)
         JOIN external_transactions e ON e.seq = m.seq AND e.seq BETWEEN $5 AND $6`,
      [
        id,
        matches.map((m) => m.externalSeq.toString()),
        matches.map((m) => m.internalTransactionId),
        matches.map((m) => m.ruleId),
        ...seqRange(matches),
      ],
    );
  }

  async recordUnmatched(tx: Tx, id: string, rows: UnmatchedRecord[]): Promise<void> {
    if (!rows.length) return;
    await sql(tx).query(
      `INSERT INTO reconciliation_unmatched (reconciliation_id, external_seq, external_id)
       SELECT $1, e.seq, e.external_id FROM unnest($2::bigint[]) AS u(seq)
         JOIN external_transactions e ON e.seq = u.seq AND e.seq BETWEEN $3 AND $4`,
      [id, rows.map((r) => r.externalSeq.toString()), ...seqRange(rows)],
    );
  }

  async advance(
    tx: Tx,
    id: string,
    owner: string,
    from: bigint,
    by: BatchOutcome,
    leaseMs: number,
  ): Promise<boolean> {
    const rows: unknown[] = await sql(tx).query(
      `WITH u AS (UPDATE reconciliations SET checkpoint = $4, processed = processed + $5,
              matched = matched + $6, unmatched = unmatched + $7,
              lease_until = clock_timestamp() + $8 * interval '1 millisecond'
        WHERE reconciliation_id = $1 AND lease_owner = $2 AND checkpoint = $3 AND status = 'in_progress'
        RETURNING 1) SELECT * FROM u`,
      [
        id,
        owner,
        from.toString(),
        by.checkpoint.toString(),
        by.processed,
        by.matched,
        by.unmatched,
        leaseMs,
      ],
    );
    return rows.length > 0;
  }

  async finish(tx: Tx, id: string, owner: string | null, error?: string): Promise<boolean> {
    // A failed run reads back with counts 0, as Blnk's (its listed results stay).
    const rows: unknown[] = await sql(tx).query(
      `WITH u AS (UPDATE reconciliations
          SET status = CASE WHEN $3::text IS NULL THEN 'completed' ELSE 'failed' END,
              error = $3, completed_at = clock_timestamp(), lease_owner = NULL, lease_until = NULL,
              matched = CASE WHEN $3::text IS NULL THEN matched ELSE 0 END,
              unmatched = CASE WHEN $3::text IS NULL THEN unmatched ELSE 0 END
        WHERE reconciliation_id = $1 AND ${OPEN} AND ($2::text IS NULL OR lease_owner = $2)
        RETURNING 1) SELECT * FROM u`,
      [id, owner, error ?? null],
    );
    if (!rows.length) return false;
    // The groups and claims of a run are its working state: gone with the run's end.
    await sql(tx).query(`DELETE FROM reconciliation_groups WHERE reconciliation_id = $1`, [id]);
    await sql(tx).query(`DELETE FROM reconciliation_claims WHERE reconciliation_id = $1`, [id]);
    return true;
  }

  async giveBack(id: string, owner: string): Promise<void> {
    await this.db.query(
      `UPDATE reconciliations SET lease_owner = NULL, lease_until = NULL
        WHERE reconciliation_id = $1 AND lease_owner = $2`,
      [id, owner],
    );
  }

  async release(id: string, owner: string): Promise<number> {
    const rows: { attempts: number }[] = await this.db.query(
      `WITH u AS (UPDATE reconciliations SET attempts = attempts + 1, lease_owner = NULL, lease_until = NULL
        WHERE reconciliation_id = $1 AND lease_owner = $2 RETURNING attempts) SELECT * FROM u`,
      [id, owner],
    );
    return rows.length ? rows[0].attempts : 0;
  }

  async listMatches(id: string, limit: number, offset: number): Promise<MatchRecord[]> {
    const rows: MatchRow[] = await this.db.query(
      `SELECT external_seq::text AS external_seq, external_id, internal_transaction_id,
              amount::text AS amount, date, rule_id
         FROM reconciliation_matches m WHERE reconciliation_id = $1
        ORDER BY m.external_seq, m.internal_transaction_id LIMIT $2 OFFSET $3`,
      [id, limit, offset],
    );
    return rows.map(matchOf);
  }

  async listUnmatched(id: string, limit: number, offset: number): Promise<UnmatchedRecord[]> {
    const rows: { external_seq: string; external_id: string }[] = await this.db.query(
      `SELECT external_seq::text AS external_seq, external_id FROM reconciliation_unmatched u
        WHERE reconciliation_id = $1 ORDER BY u.external_seq LIMIT $2 OFFSET $3`,
      [id, limit, offset],
    );
    return rows.map(unmatchedOf);
  }
}
