import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { stringifyJson } from '@libs/core/json';
import type { ListQuery, Page } from '@libs/core/list-query';
import type { Tx } from '@libs/core/unit-of-work';
import { TRANSACTIONS_TABLE } from './transaction.table';
import { runListQuery } from '@libs/persistence/list';
import { isUniqueViolation, sql } from '@libs/persistence/tx';
import type { MetaData, Transaction } from '../../domain/transaction';
import { alreadyRefunded, duplicateReference } from '../../domain/transaction.errors';
import {
  FundAllocation,
  ReconciliationMark,
  TransactionRepository,
} from '../../application/ports/transaction.repository';
import {
  insertParams,
  TRANSACTION_COLUMNS,
  TRANSACTION_INSERT_TYPES,
  TransactionRow,
  toTransaction,
} from './transaction.mapper';

@Injectable()
export class TransactionPgRepository extends TransactionRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async insert(tx: Tx, rows: Transaction[]): Promise<void> {
    if (!rows.length) return;
    // One multi-row INSERT through unnest: one round trip whatever the number of rows.
    const casts = TRANSACTION_INSERT_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
    try {
      await sql(tx).query(
        `INSERT INTO transactions (${TRANSACTION_COLUMNS}) SELECT * FROM unnest(${casts})`,
        insertParams(rows, stringifyJson),
      );
    } catch (e) {
      if (
        isUniqueViolation(e, 'reference_claims_pkey') ||
        isUniqueViolation(e, 'transactions_reference_key')
      ) {
        const detail = String((e as { detail?: string }).detail ?? '');
        const ref = /\(reference\)=\((.*)\)/.exec(detail)?.[1] ?? rows[0].reference;
        // A queued row's `_q` claim is the client's reference as far as the client can tell.
        const own = rows.find(
          (r) => `${r.reference}_q` === ref && (r.status === 'QUEUED' || r.status === 'SCHEDULED'),
        );
        throw duplicateReference(own ? own.reference : ref);
      }
      if (isUniqueViolation(e, 'transactions_refund_of_key')) {
        const detail = String((e as { detail?: string }).detail ?? '');
        const refundOf =
          /\(refund_of\)=\((.*)\)/.exec(detail)?.[1] ??
          rows.find((r) => r.refundOf)?.refundOf ??
          '';
        throw alreadyRefunded(refundOf);
      }
      throw e;
    }
  }

  async claim(tx: Tx, references: string[]): Promise<void> {
    if (!references.length) return;
    try {
      await sql(tx).query(`INSERT INTO reference_claims (reference) SELECT unnest($1::text[])`, [
        references,
      ]);
    } catch (e) {
      if (isUniqueViolation(e, 'reference_claims_pkey')) {
        const detail = String((e as { detail?: string }).detail ?? '');
        throw duplicateReference(/\(reference\)=\((.*)\)/.exec(detail)?.[1] ?? references[0]);
      }
      throw e;
    }
  }

  async findById(id: string, tx?: Tx): Promise<Transaction | null> {
    const rows: TransactionRow[] = await (tx ? sql(tx) : this.db).query(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions WHERE transaction_id = $1`,
      [id],
    );
    return rows.length ? toTransaction(rows[0]) : null;
  }

  async findByReference(reference: string, tx?: Tx): Promise<Transaction | null> {
    const rows: TransactionRow[] = await (tx ? sql(tx) : this.db).query(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions WHERE reference = $1`,
      [reference],
    );
    return rows.length ? toTransaction(rows[0]) : null;
  }

  async list(query: ListQuery): Promise<Page<Transaction>> {
    const { rows, totalCount } = await runListQuery<TransactionRow>(
      this.db,
      TRANSACTIONS_TABLE,
      query,
    );
    return { items: rows.map(toTransaction), totalCount };
  }

  async existingReferences(tx: Tx, references: string[]): Promise<Set<string>> {
    if (!references.length) return new Set();
    const rows: { reference: string }[] = await sql(tx).query(
      `SELECT reference FROM reference_claims WHERE reference = ANY($1::text[])`,
      [references],
    );
    return new Set(rows.map((r) => r.reference));
  }

  async lockInflight(tx: Tx, id: string): Promise<Transaction[]> {
    const rows: TransactionRow[] = await sql(tx).query(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions
       WHERE status = 'INFLIGHT' AND (transaction_id = $1 OR parent_transaction = $1 OR queued_parent = $1)
       ORDER BY transaction_id FOR UPDATE`,
      [id],
    );
    return rows.map(toTransaction);
  }

  async holdStates(
    tx: Tx,
    holdIds: string[],
  ): Promise<Map<string, { committed: bigint; voided: boolean }>> {
    const rows: { settles: string; committed: string; voided: boolean }[] = await sql(tx).query(
      `SELECT settles,
              COALESCE(sum(precise_amount) FILTER (WHERE status = 'APPLIED'), 0)::text AS committed,
              bool_or(status = 'VOID') AS voided
       FROM transactions WHERE settles = ANY($1::text[]) GROUP BY settles`,
      [holdIds],
    );
    const out = new Map(holdIds.map((id) => [id, { committed: 0n, voided: false }]));
    for (const r of rows)
      out.set(r.settles, { committed: BigInt(r.committed), voided: r.voided === true });
    return out;
  }

  async lockRefundable(tx: Tx, id: string): Promise<Transaction[]> {
    const rows: TransactionRow[] = await sql(tx).query(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions
       WHERE status = 'APPLIED' AND refund_of IS NULL
         AND (transaction_id = $1 OR parent_transaction = $1 OR queued_parent = $1)
       ORDER BY transaction_id FOR UPDATE`,
      [id],
    );
    return rows.map(toTransaction);
  }

  async refunded(tx: Tx, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows: { refund_of: string }[] = await sql(tx).query(
      `SELECT refund_of FROM transactions WHERE refund_of = ANY($1::text[]) AND outcome_of IS NULL`,
      [ids],
    );
    return new Set(rows.map((r) => r.refund_of));
  }

  async findFamilyMember(id: string, tx?: Tx): Promise<Transaction | null> {
    const rows: TransactionRow[] = await (tx ? sql(tx) : this.db).query(
      // The row itself first, then a hold (or a row that will become one) of the request the
      // client knows by this id: a leg, a batch item, or a queued request's rows.
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions
       WHERE transaction_id = $1 OR parent_transaction = $1 OR queued_parent = $1
       ORDER BY (transaction_id = $1) DESC, inflight DESC, id LIMIT 1`,
      [id],
    );
    return rows.length ? toTransaction(rows[0]) : null;
  }

  async mergeMetaData(tx: Tx, id: string, patch: MetaData): Promise<number> {
    const rows: unknown[] = await sql(tx).query(
      `WITH u AS (UPDATE transactions SET meta_data = COALESCE(meta_data, '{}'::jsonb) || $2::jsonb
         WHERE transaction_id = $1 OR parent_transaction = $1 RETURNING 1) SELECT * FROM u`,
      [id, stringifyJson(patch)],
    );
    return rows.length;
  }
  async fundAllocations(ids: string[]): Promise<Map<string, FundAllocation[]>> {
    const out = new Map<string, FundAllocation[]>();
    if (!ids.length) return out;
    // The lineage trigger's typed allocations (lineage_allocations_transaction_idx), summed per
    // provider as GET /transactions/:id/lineage shows them; never read from client JSON.
    const rows: { id: string; provider: string; amount: string }[] = await this.db.query(
      `SELECT transaction_id AS id, provider, sum(amount)::text AS amount
         FROM lineage_allocations
        WHERE transaction_id = ANY($1::text[]) AND kind IN ('debit', 'hold')
        GROUP BY transaction_id, provider
        ORDER BY transaction_id, min(id)`,
      [ids],
    );
    for (const r of rows) {
      const list = out.get(r.id) ?? [];
      list.push({ provider: r.provider, amount: BigInt(r.amount) });
      out.set(r.id, list);
    }
    return out;
  }

  async reconciliationMarks(ids: string[]): Promise<Map<string, ReconciliationMark>> {
    const out = new Map<string, ReconciliationMark>();
    if (!ids.length) return out;
    // reconciliation_matches_internal_idx (internal_transaction_id, matched_at DESC): one probe per id.
    const rows: {
      id: string;
      reconciliation_id: string;
      matched_at: Date;
      external_id: string;
      amount: string;
    }[] = await this.db.query(
      `SELECT DISTINCT ON (m.internal_transaction_id) m.internal_transaction_id AS id,
              m.reconciliation_id, m.matched_at, m.external_id, m.amount::text AS amount
         FROM reconciliation_matches m WHERE m.internal_transaction_id = ANY($1::text[])
        ORDER BY m.internal_transaction_id, m.matched_at DESC, m.reconciliation_id DESC`,
      [ids],
    );
    for (const r of rows) {
      out.set(r.id, {
        reconciliationId: r.reconciliation_id,
        reconciledAt: r.matched_at,
        externalId: r.external_id,
        amount: r.amount,
      });
    }
    return out;
  }
}
