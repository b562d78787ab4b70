import { Injectable } from '@nestjs/common';
import { ledgerExists } from '../../domain/ledger.errors';
import { DataSource } from 'typeorm';
import { stringifyJson } from '@libs/core/json';
import type { ListQuery, Page } from '@libs/core/list-query';
import type { Tx } from '@libs/core/unit-of-work';
import { LEDGERS_TABLE } from './ledger.table';
import { runListQuery } from '@libs/persistence/list';
import { isUniqueViolation, sql } from '@libs/persistence/tx';
import type { Ledger, MetaData } from '../../domain/ledger';
import { LedgerRepository } from '../../application/ports/ledger.repository';
import { LedgerRow, toLedger } from './ledger.mapper';

const COLUMNS = 'ledger_id, name, created_at, meta_data';

@Injectable()
export class LedgerPgRepository extends LedgerRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async insert(tx: Tx, l: Ledger): Promise<void> {
    try {
      await sql(tx).query(
        `INSERT INTO ledgers (ledger_id, name, created_at, meta_data) VALUES ($1, $2, $3, $4::jsonb)`,
        [l.ledgerId, l.name, l.createdAt, l.metaData === null ? null : stringifyJson(l.metaData)],
      );
    } catch (e) {
      if (isUniqueViolation(e)) throw ledgerExists(l.ledgerId);
      throw e;
    }
  }

  async findById(id: string, tx?: Tx): Promise<Ledger | null> {
    const rows: LedgerRow[] = await (tx ? sql(tx) : this.db).query(
      `SELECT ${COLUMNS} FROM ledgers WHERE ledger_id = $1`,
      [id],
    );
    return rows.length ? toLedger(rows[0]) : null;
  }

  async list(query: ListQuery): Promise<Page<Ledger>> {
    const { rows, totalCount } = await runListQuery<LedgerRow>(this.db, LEDGERS_TABLE, query);
    return { items: rows.map(toLedger), totalCount };
  }

  async rename(tx: Tx, id: string, name: string): Promise<Ledger | null> {
    const rows: LedgerRow[] = await sql(tx).query(
      `WITH u AS (UPDATE ledgers SET name = $2 WHERE ledger_id = $1 RETURNING ${COLUMNS}) SELECT * FROM u`,
      [id, name],
    );
    return rows.length ? toLedger(rows[0]) : null;
  }

  async mergeMetaData(tx: Tx, id: string, patch: MetaData): Promise<MetaData | null> {
    const rows: { meta_data: MetaData }[] = await sql(tx).query(
      `WITH u AS (UPDATE ledgers SET meta_data = COALESCE(meta_data, '{}'::jsonb) || $2::jsonb
       WHERE ledger_id = $1 RETURNING meta_data) SELECT meta_data FROM u`,
      [id, stringifyJson(patch)],
    );
    return rows.length ? rows[0].meta_data : null;
  }
}
