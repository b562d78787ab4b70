import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { stringifyJson } from '@libs/core/json';
import type { ListQuery, Page } from '@libs/core/list-query';
import type { Tx } from '@libs/core/unit-of-work';
import { BALANCES_TABLE } from './balance.table';
import { runListQuery } from '@libs/persistence/list';
import { isForeignKeyViolation, isUniqueViolation, sql, constraintOf } from '@libs/persistence/tx';
import type { Balance, MetaData } from '../../domain/balance';
import {
  balanceExists,
  identityNotFoundForBalance,
  invalidIdentity,
  invalidLedger,
} from '../../domain/balance.errors';
import { BalanceRepository } from '../../application/ports/balance.repository';
import {
  BALANCE_COLUMNS,
  BalanceRow,
  INSERT_BALANCE_SQL,
  insertParams,
  toBalance,
} from './balance.mapper';

@Injectable()
export class BalancePgRepository extends BalanceRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async insert(tx: Tx, b: Balance): Promise<void> {
    try {
      await sql(tx).query(
        INSERT_BALANCE_SQL,
        insertParams(b, b.metaData === null ? null : stringifyJson(b.metaData)),
      );
    } catch (e) {
      if (isUniqueViolation(e, 'balances_indicator_currency_key'))
        throw balanceExists(b.indicator ?? '', b.currency);
      if (isForeignKeyViolation(e)) {
        throw constraintOf(e)?.includes('identity')
          ? invalidIdentity(b.identityId ?? '')
          : invalidLedger(b.ledgerId);
      }
      throw e;
    }
  }

  async findById(id: string, tx?: Tx): Promise<Balance | null> {
    const rows: BalanceRow[] = await (tx ? sql(tx) : this.db).query(
      `SELECT ${BALANCE_COLUMNS} FROM balances WHERE balance_id = $1`,
      [id],
    );
    return rows.length ? toBalance(rows[0]) : null;
  }

  async findByIndicator(indicator: string, currency: string, tx?: Tx): Promise<Balance | null> {
    const rows: BalanceRow[] = await (tx ? sql(tx) : this.db).query(
      `SELECT ${BALANCE_COLUMNS} FROM balances WHERE indicator = $1 AND currency = $2`,
      [indicator, currency],
    );
    return rows.length ? toBalance(rows[0]) : null;
  }

  async list(query: ListQuery): Promise<Page<Balance>> {
    const { rows, totalCount } = await runListQuery<BalanceRow>(this.db, BALANCES_TABLE, query);
    return { items: rows.map(toBalance), totalCount };
  }

  async setIdentity(tx: Tx, balanceId: string, identityId: string): Promise<boolean> {
    try {
      const rows: unknown[] = await sql(tx).query(
        `WITH u AS (UPDATE balances SET identity_id = $2, version = version + 1 WHERE balance_id = $1
         RETURNING balance_id) SELECT balance_id FROM u`,
        [balanceId, identityId],
      );
      return rows.length > 0;
    } catch (e) {
      if (isForeignKeyViolation(e)) throw identityNotFoundForBalance(identityId);
      throw e;
    }
  }

  async mergeMetaData(tx: Tx, id: string, patch: MetaData): Promise<MetaData | null> {
    const rows: { meta_data: MetaData }[] = await sql(tx).query(
      `WITH u AS (UPDATE balances SET meta_data = COALESCE(meta_data, '{}'::jsonb) || $2::jsonb,
       version = version + 1 WHERE balance_id = $1 RETURNING meta_data) SELECT meta_data FROM u`,
      [id, stringifyJson(patch)],
    );
    return rows.length ? rows[0].meta_data : null;
  }
}
