import { Injectable } from '@nestjs/common';
import type { Tx } from '@libs/core/unit-of-work';
import { sql } from '@libs/persistence/tx';
import { MatchGroups } from '../../application/ports/match-groups';
import type { CandidateBounds, MatchGroup } from '../../domain/matching';
import type { Reconciliation } from '../../domain/reconciliation';
import { dateBoundArrays } from './reconciliation.mapper';

/**
 * The value a group is formed by (reference §8.3). A row whose value is empty is a group of its
 * own: Blnk would put every transaction without a parent (or a source…) into one group.
 */
const INTERNAL_KEYS: Record<string, string> = {
  transaction_id: 't.transaction_id',
  parent_transaction: 't.parent_transaction',
  source: 't.source',
  reference: 't.reference',
  currency: 't.currency',
  destination: 't.destination',
  status: 't.status',
  created_at: 't.created_at',
};
const EXTERNAL_KEYS: Record<string, string> = {
  id: 'e.external_id',
  amount: 'e.amount',
  reference: 'e.reference',
  currency: 'e.currency',
  description: 'e.description',
  date: 'e.date',
};

interface GroupRow {
  k?: number;
  ordinal: string;
  amount: string;
  us: string;
  currency: string;
  description: string;
  reference: string;
  members: string[];
}

const GROUP_COLUMNS = `g.ordinal::text AS ordinal, g.amount::text AS amount,
  (extract(epoch FROM g.first_at) * 1000000)::bigint::text AS us, g.currency, g.description,
  g.reference, g.members`;

const groupOf = (r: GroupRow): MatchGroup => ({
  ordinal: BigInt(r.ordinal),
  amount: r.amount,
  dateMicros: BigInt(r.us),
  currency: r.currency,
  description: r.description,
  reference: r.reference,
  members: r.members,
});

/** Summaries as one INSERT … SELECT … GROUP BY; the searches as range scans of its indexes. */
@Injectable()
export class MatchGroupsPg extends MatchGroups {
  async prepareGroups(tx: Tx, run: Reconciliation, owner: string): Promise<boolean> {
    const q = sql(tx);
    const mine: unknown[] = await q.query(
      `WITH u AS (UPDATE reconciliations SET groups_ready = true
        WHERE reconciliation_id = $1 AND lease_owner = $2 AND status = 'in_progress' AND NOT groups_ready
        RETURNING 1) SELECT * FROM u`,
      [run.reconciliationId, owner],
    );
    if (!mine.length) return false;
    if (run.strategy === 'one_to_many') {
      const col = INTERNAL_KEYS[run.groupingCriteria];
      await q.query(
        `INSERT INTO reconciliation_groups
           (reconciliation_id, ordinal, amount, first_at, currency, description, reference, members)
         SELECT $1, row_number() OVER (ORDER BY min(t.created_at), min(t.transaction_id)),
                sum(t.amount), min(t.created_at),
                CASE WHEN count(DISTINCT t.currency) = 1 THEN min(t.currency) ELSE 'MIXED' END,
                string_agg(COALESCE(t.description, ''), ' | ' ORDER BY t.created_at, t.transaction_id),
                string_agg(t.reference, ' | ' ORDER BY t.created_at, t.transaction_id),
                array_agg(t.transaction_id ORDER BY t.created_at, t.transaction_id)
           FROM transactions t
          GROUP BY NULLIF(${col}::text, ''),
                   CASE WHEN COALESCE(${col}::text, '') = '' THEN t.transaction_id END`,
        [run.reconciliationId],
      );
    } else {
      const col = EXTERNAL_KEYS[run.groupingCriteria];
      await q.query(
        `INSERT INTO reconciliation_groups
           (reconciliation_id, ordinal, amount, first_at, currency, description, reference, members)
         SELECT $1, row_number() OVER (ORDER BY min(e.seq)), sum(e.amount), min(e.date),
                CASE WHEN count(DISTINCT e.currency) = 1 THEN min(e.currency) ELSE 'MIXED' END,
                string_agg(e.description, ' | ' ORDER BY e.seq),
                string_agg(e.reference, ' | ' ORDER BY e.seq),
                array_agg(e.seq::text ORDER BY e.seq)
           FROM external_transactions e WHERE e.upload_id = $2
          GROUP BY ${col}`,
        [run.reconciliationId, run.uploadId],
      );
    }
    return true;
  }

  async groupsAfter(
    tx: Tx,
    id: string,
    afterOrdinal: bigint,
    limit: number,
  ): Promise<MatchGroup[]> {
    const rows: GroupRow[] = await sql(tx).query(
      `SELECT ${GROUP_COLUMNS} FROM reconciliation_groups g
        WHERE g.reconciliation_id = $1 AND g.ordinal > $2 ORDER BY g.ordinal LIMIT $3`,
      [id, afterOrdinal.toString(), limit],
    );
    return rows.map(groupOf);
  }

  async groupCandidates(
    tx: Tx,
    id: string,
    queries: { bounds: CandidateBounds; afterOrdinal?: bigint }[],
    limit: number,
  ): Promise<MatchGroup[][]> {
    if (!queries.length) return [];
    const rows: GroupRow[] = await sql(tx).query(
      `SELECT q.k, ${GROUP_COLUMNS}
         FROM unnest($2::numeric[], $3::numeric[], $4::timestamptz[], $5::timestamptz[], $6::bigint[])
              WITH ORDINALITY AS q(alo, ahi, dlo, dhi, aft, k)
         CROSS JOIN LATERAL (
           SELECT * FROM reconciliation_groups g0
            WHERE g0.reconciliation_id = $1 AND NOT g0.consumed
              AND g0.amount >= COALESCE(q.alo, '-Infinity') AND g0.amount <= COALESCE(q.ahi, 'Infinity')
              AND g0.first_at >= COALESCE(q.dlo, '-infinity') AND g0.first_at <= COALESCE(q.dhi, 'infinity')
              AND g0.ordinal > q.aft
            ORDER BY g0.ordinal LIMIT $7) g
        ORDER BY q.k, g.ordinal`,
      [
        id,
        queries.map((q) => q.bounds.amountLow ?? null),
        queries.map((q) => q.bounds.amountHigh ?? null),
        ...dateBoundArrays(queries.map((q) => q.bounds)),
        queries.map((q) => (q.afterOrdinal ?? 0n).toString()),
        limit,
      ],
    );
    const out: MatchGroup[][] = queries.map(() => []);
    for (const r of rows) out[Number(r.k) - 1].push(groupOf(r));
    return out;
  }

  async consumeGroups(tx: Tx, id: string, ordinals: bigint[]): Promise<void> {
    if (!ordinals.length) return;
    await sql(tx).query(
      `UPDATE reconciliation_groups SET consumed = true
        WHERE reconciliation_id = $1 AND ordinal = ANY($2::bigint[])`,
      [id, ordinals.map(String)],
    );
  }

  async claim(tx: Tx, id: string, internalIds: string[]): Promise<void> {
    if (!internalIds.length) return;
    await sql(tx).query(
      `INSERT INTO reconciliation_claims (reconciliation_id, internal_transaction_id)
       SELECT $1, unnest($2::text[])`,
      [id, internalIds],
    );
  }
}
