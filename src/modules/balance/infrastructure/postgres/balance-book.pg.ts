import { Injectable } from '@nestjs/common';
import type { Tx } from '@libs/core/unit-of-work';
import { sql } from '@libs/persistence/tx';
import type { Balance } from '../../domain/balance';
import { BalanceBook } from '../../application/ports/balance-book';
import {
  BALANCE_COLUMNS,
  BalanceRow,
  INSERT_BALANCE_SQL,
  insertParams,
  toBalance,
} from './balance.mapper';

@Injectable()
export class BalanceBookPg extends BalanceBook {
  async lockForUpdate(tx: Tx, ids: string[]): Promise<Map<string, Balance>> {
    // ORDER BY puts the sort below the row-lock step, so rows are locked in id order. NO KEY
    // UPDATE is what an UPDATE of non-key columns takes anyway; unlike FOR UPDATE it does not
    // block the KEY SHARE locks that foreign-key checks take when rows referencing a balance are
    // inserted (a QUEUED row accepted while a worker holds that balance).
    const rows: BalanceRow[] = await sql(tx).query(
      `SELECT ${BALANCE_COLUMNS} FROM balances WHERE balance_id = ANY($1::text[]) ORDER BY balance_id FOR NO KEY UPDATE`,
      [ids],
    );
    return new Map(rows.map((r) => [r.balance_id, toBalance(r)]));
  }

  async ensureIndicator(tx: Tx, candidate: Balance): Promise<string> {
    const m = sql(tx);
    const find = `SELECT balance_id FROM balances WHERE indicator = $1 AND currency = $2`;
    const existing: { balance_id: string }[] = await m.query(find, [
      candidate.indicator,
      candidate.currency,
    ]);
    if (existing.length) return existing[0].balance_id;
    const inserted: { balance_id: string }[] = await m.query(
      `${INSERT_BALANCE_SQL} ON CONFLICT (indicator, currency) DO NOTHING RETURNING balance_id`,
      insertParams(candidate, null),
    );
    if (inserted.length) return inserted[0].balance_id;
    // A concurrent transaction created it first; this statement's fresh snapshot sees it.
    const raced: { balance_id: string }[] = await m.query(find, [
      candidate.indicator,
      candidate.currency,
    ]);
    return raced[0].balance_id;
  }

  async currencies(tx: Tx, ids: string[]): Promise<Map<string, string>> {
    const rows: { balance_id: string; currency: string }[] = await sql(tx).query(
      `SELECT balance_id, currency FROM balances WHERE balance_id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.balance_id, r.currency]));
  }

  async saveAmounts(tx: Tx, balances: Balance[], bumps?: number[]): Promise<void> {
    if (!balances.length) return;
    const col = (f: (b: Balance) => bigint) => balances.map((b) => f(b).toString());
    await sql(tx).query(
      `UPDATE balances b SET balance = v.balance, credit_balance = v.credit_balance,
         debit_balance = v.debit_balance, inflight_balance = v.inflight_balance,
         inflight_credit_balance = v.inflight_credit_balance,
         inflight_debit_balance = v.inflight_debit_balance, version = b.version + v.bump
       FROM unnest($1::text[], $2::numeric[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[], $8::int[])
         AS v(balance_id, balance, credit_balance, debit_balance, inflight_balance, inflight_credit_balance, inflight_debit_balance, bump)
       WHERE b.balance_id = v.balance_id`,
      [
        balances.map((b) => b.balanceId),
        col((b) => b.balance),
        col((b) => b.creditBalance),
        col((b) => b.debitBalance),
        col((b) => b.inflightBalance),
        col((b) => b.inflightCreditBalance),
        col((b) => b.inflightDebitBalance),
        balances.map((_, i) => bumps?.[i] ?? 1),
      ],
    );
  }
}
