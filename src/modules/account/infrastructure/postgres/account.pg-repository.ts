import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { stringifyJson } from '@libs/core/json';
import type { ListQuery, Page } from '@libs/core/list-query';
import type { Tx } from '@libs/core/unit-of-work';
import { runListQuery } from '@libs/persistence/list';
import { isForeignKeyViolation, isUniqueViolation, sql } from '@libs/persistence/tx';
import type { Account } from '../../domain/account';
import { accountIdentityGone, accountNumberTaken } from '../../domain/account.errors';
import { AccountRepository } from '../../application/ports/account.repository';
import { ACCOUNT_COLUMNS, AccountRow, toAccount } from './account.mapper';
import { ACCOUNTS_TABLE } from './account.table';

@Injectable()
export class AccountPgRepository extends AccountRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async insert(tx: Tx, a: Account): Promise<void> {
    try {
      await sql(tx).query(
        `INSERT INTO accounts (${ACCOUNT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)`,
        [
          a.accountId,
          a.name,
          a.number,
          a.bankName,
          a.currency,
          a.ledgerId,
          a.identityId,
          a.balanceId,
          a.createdAt,
          a.metaData === null ? null : stringifyJson(a.metaData),
        ],
      );
    } catch (e) {
      if (isUniqueViolation(e, 'accounts_number_key')) throw accountNumberTaken(a.number);
      // Only the identity can vanish: balances and ledgers are never deleted.
      if (isForeignKeyViolation(e)) throw accountIdentityGone(a.identityId);
      throw e;
    }
  }

  async findById(id: string): Promise<Account | null> {
    const rows: AccountRow[] = await this.db.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE account_id = $1`,
      [id],
    );
    return rows.length ? toAccount(rows[0]) : null;
  }

  async list(query: ListQuery): Promise<Page<Account>> {
    const { rows, totalCount } = await runListQuery<AccountRow>(this.db, ACCOUNTS_TABLE, query);
    return { items: rows.map(toAccount), totalCount };
  }
}
