import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '@libs/core/unit-of-work';
import { sql } from '@libs/persistence/tx';
import { ShadowLedgerRepository } from '../../application/ports/shadow-ledger.repository';
import type { PendingAllocation } from '../../domain/shadow';

interface PendingRow {
  allocation_id: string;
  transaction_id: string;
  balance_id: string;
  provider: string;
  kind: PendingAllocation['kind'];
  amount: string;
  reference: string;
  client_transaction_id: string;
  currency: string;
  precision: string;
  identity_id: string | null;
  settles: string | null;
}

/** One key for the whole projection: shadows are posted in allocation order, by one process. */
const PROJECTION_LOCK = `hashtext('neraca.lineage_shadow_projection')`;

@Injectable()
export class ShadowLedgerPgRepository extends ShadowLedgerRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async takeProjection(tx: Tx): Promise<boolean> {
    const [r]: { ok: boolean }[] = await sql(tx).query(
      `SELECT pg_try_advisory_xact_lock(${PROJECTION_LOCK}) AS ok`,
    );
    return r.ok;
  }

  async pending(tx: Tx, limit: number): Promise<PendingAllocation[]> {
    // A worker's outcome is named after the QUEUED row the client knows (its id and reference).
    const rows: PendingRow[] = await sql(tx).query(
      `SELECT p.allocation_id::text, a.transaction_id, a.balance_id, a.provider, a.kind,
              a.amount::text, COALESCE(q.reference, t.reference) AS reference,
              COALESCE(t.outcome_of, t.transaction_id) AS client_transaction_id,
              t.currency, t.precision::text, b.identity_id, t.settles
       FROM lineage_shadow_postings p
       JOIN lineage_allocations a ON a.id = p.allocation_id
       JOIN transactions t ON t.transaction_id = a.transaction_id
       LEFT JOIN transactions q ON q.transaction_id = t.outcome_of
       JOIN balances b ON b.balance_id = a.balance_id
       WHERE p.shadow_transaction_id IS NULL
       ORDER BY p.allocation_id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      allocationId: r.allocation_id,
      transactionId: r.transaction_id,
      balanceId: r.balance_id,
      provider: r.provider,
      kind: r.kind,
      amount: BigInt(r.amount),
      reference: r.reference,
      clientTransactionId: r.client_transaction_id,
      currency: r.currency,
      precision: BigInt(r.precision),
      identityId: r.identity_id,
      settles: r.settles,
    }));
  }

  async shadowOfHold(tx: Tx, holdId: string, provider: string): Promise<string | null> {
    const rows: { id: string | null }[] = await sql(tx).query(
      `SELECT p.shadow_transaction_id AS id FROM lineage_allocations a
       JOIN lineage_shadow_postings p ON p.allocation_id = a.id
       WHERE a.transaction_id = $1 AND a.provider = $2 AND a.kind = 'hold'`,
      [holdId, provider],
    );
    return rows[0]?.id ?? null;
  }

  async markPosted(tx: Tx, allocationId: string, shadowTransactionId: string): Promise<boolean> {
    // As a SELECT, so the driver answers rows whatever it does with an UPDATE's result.
    const [r]: { n: number }[] = await sql(tx).query(
      `WITH u AS (
         UPDATE lineage_shadow_postings SET shadow_transaction_id = $2, posted_at = now()
         WHERE allocation_id = $1 AND shadow_transaction_id IS NULL RETURNING allocation_id)
       SELECT count(*)::int AS n FROM u`,
      [allocationId, shadowTransactionId],
    );
    return r.n === 1;
  }

  async rememberShadow(
    tx: Tx,
    balanceId: string,
    provider: string,
    shadowBalanceId: string,
  ): Promise<void> {
    await sql(tx).query(
      `INSERT INTO lineage_shadow_balances (balance_id, provider, shadow_balance_id)
       VALUES ($1, $2, $3) ON CONFLICT (balance_id, provider) DO NOTHING`,
      [balanceId, provider, shadowBalanceId],
    );
  }

  async shadowsOf(balanceId: string): Promise<Map<string, string>> {
    const rows: { provider: string; shadow_balance_id: string }[] = await this.db.query(
      `SELECT provider, shadow_balance_id FROM lineage_shadow_balances WHERE balance_id = $1`,
      [balanceId],
    );
    return new Map(rows.map((r) => [r.provider, r.shadow_balance_id]));
  }

  async shadowTransactionsOf(transactionId: string): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT p.shadow_transaction_id AS id
       FROM lineage_allocations a
       JOIN lineage_shadow_postings p ON p.allocation_id = a.id
       WHERE (a.transaction_id = $1
          OR a.transaction_id IN (SELECT transaction_id FROM transactions WHERE outcome_of = $1))
         AND p.shadow_transaction_id IS NOT NULL
       ORDER BY a.id`,
      [transactionId],
    );
    return rows.map((r) => r.id);
  }
}
