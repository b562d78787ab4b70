import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { stringifyJson } from '@libs/core/json';
import type { ListQuery, Page } from '@libs/core/list-query';
import type { Tx } from '@libs/core/unit-of-work';
import { TRANSACTIONS_TABLE } from '@libs/persistence/filter/table-spec';
import { runListQuery } from '@libs/persistence/list';
import { isUniqueViolation, sql } from '@libs/persistence/tx';
import type { MetaData, Transaction } from '../../domain/transaction';
import { duplicateReference } from '../../domain/transaction.errors';
import { TransactionRepository } from '../../application/ports/transaction.repository';
import { TRANSACTION_COLUMNS, TransactionRow, toTransaction } from './transaction.mapper';

@Injectable()
export class TransactionPgRepository extends TransactionRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async insert(tx: Tx, rows: Transaction[]): Promise<void> {
    if (!rows.length) return;
    // One multi-row INSERT through unnest: one round trip whatever the number of rows.
    const col = <T>(f: (t: Transaction) => T) => rows.map(f);
    try {
      await sql(tx).query(
        `INSERT INTO transactions (${TRANSACTION_COLUMNS})
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[],
           $7::numeric[], $8::numeric[], $9::text[], $10::text[], $11::text[], $12::text[],
           $13::timestamptz[], $14::timestamptz[], $15::timestamptz[], $16::jsonb[])`,
        [
          col((t) => t.transactionId),
          col((t) => t.parentTransaction),
          col((t) => t.source),
          col((t) => t.destination),
          col((t) => t.reference),
          col((t) => t.amount),
          col((t) => t.preciseAmount.toString()),
          col((t) => t.precision.toString()),
          col((t) => t.currency),
          col((t) => t.description),
          col((t) => t.status),
          col((t) => t.hash),
          col((t) => t.createdAt.toISOString()),
          col((t) => t.effectiveDate.toISOString()),
          col((t) => t.scheduledFor?.toISOString() ?? null),
          col((t) => (t.metaData === null ? null : stringifyJson(t.metaData))),
        ],
      );
    } catch (e) {
      if (isUniqueViolation(e, 'transactions_reference_key')) {
        const detail = String((e as { detail?: string }).detail ?? '');
        const ref = /\(reference\)=\((.*)\)/.exec(detail)?.[1] ?? rows[0].reference;
        throw duplicateReference(ref);
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
    // `X_q` is the reference a worker gives the outcome of the queued row `X`: it counts as
    // taken while `X` waits, so no client can take it first and block the worker.
    const bases = references.filter((r) => r.endsWith('_q')).map((r) => r.slice(0, -2));
    const rows: { reference: string }[] = await sql(tx).query(
      `SELECT reference FROM transactions WHERE reference = ANY($1::text[])
       UNION
       SELECT reference || '_q' FROM transactions
       WHERE reference = ANY($2::text[]) AND status IN ('QUEUED', 'SCHEDULED')`,
      [references, bases],
    );
    return new Set(rows.map((r) => r.reference));
  }

  async lockInflight(tx: Tx, id: string): Promise<Transaction[]> {
    const rows: TransactionRow[] = await sql(tx).query(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions
       WHERE status = 'INFLIGHT' AND (transaction_id = $1 OR parent_transaction = $1
         OR meta_data->>'QUEUED_PARENT_TRANSACTION' = $1)
       ORDER BY transaction_id FOR UPDATE`,
      [id],
    );
    return rows.map(toTransaction);
  }

  async holdStates(
    tx: Tx,
    holdIds: string[],
  ): Promise<Map<string, { committed: bigint; voided: boolean }>> {
    const rows: { parent_transaction: string; committed: string; voided: boolean }[] = await sql(
      tx,
    ).query(
      `SELECT parent_transaction,
              COALESCE(sum(precise_amount) FILTER (WHERE status = 'APPLIED'), 0)::text AS committed,
              bool_or(status = 'VOID') AS voided
       FROM transactions WHERE parent_transaction = ANY($1::text[]) GROUP BY parent_transaction`,
      [holdIds],
    );
    const out = new Map(holdIds.map((id) => [id, { committed: 0n, voided: false }]));
    for (const r of rows)
      out.set(r.parent_transaction, { committed: BigInt(r.committed), voided: r.voided === true });
    return out;
  }

  async lockRefundable(tx: Tx, id: string): Promise<Transaction[]> {
    const rows: TransactionRow[] = await sql(tx).query(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions
       WHERE status = 'APPLIED' AND (transaction_id = $1 OR parent_transaction = $1
         OR meta_data->>'QUEUED_PARENT_TRANSACTION' = $1)
         AND reference NOT LIKE '%!_refund' ESCAPE '!' AND reference NOT LIKE '%!_refund!_q' ESCAPE '!'
       ORDER BY transaction_id FOR UPDATE`,
      [id],
    );
    return rows.map(toTransaction);
  }

  async findFamilyMember(id: string, tx?: Tx): Promise<Transaction | null> {
    const rows: TransactionRow[] = await (tx ? sql(tx) : this.db).query(
      `SELECT ${TRANSACTION_COLUMNS} FROM transactions WHERE transaction_id = $1 OR parent_transaction = $1
       ORDER BY (transaction_id = $1) DESC LIMIT 1`,
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
}
