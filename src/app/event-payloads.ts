import type { DataSource } from 'typeorm';
import { EventPayloads } from '../modules/events/application/ports/event-payloads';
import { BalanceRow, toBalance } from '../modules/balance/infrastructure/postgres/balance.mapper';
import { presentBalance } from '../modules/balance/interface/http/balance.presenter';
import {
  IDENTITY_COLUMNS,
  IdentityRow,
  toIdentity,
} from '../modules/identity/infrastructure/postgres/identity.mapper';
import { presentIdentity } from '../modules/identity/interface/http/identity.presenter';
import { LedgerRow, toLedger } from '../modules/ledger/infrastructure/postgres/ledger.mapper';
import { presentLedger } from '../modules/ledger/interface/http/ledger.presenter';
import {
  TransactionRow,
  toTransaction,
} from '../modules/transaction/infrastructure/postgres/transaction.mapper';
import { presentTransaction } from '../modules/transaction/interface/http/transaction.presenter';

/** Timestamp columns of a snapshot (to_jsonb writes them as ISO strings). */
const TIMESTAMP = /(_at|_date|^scheduled_for)$/;

/**
 * A snapshot (`to_jsonb` of the row, parsed losslessly) as the row a query returns: numbers as
 * the text PostgreSQL sends for numeric columns, timestamps as dates. `numbers` names the integer
 * columns a mapper reads as numbers.
 */
export function asRow<T>(snapshot: Record<string, unknown>, numbers: string[] = []): T {
  const row: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(snapshot)) {
    if (k === 'meta_data' || v === null) row[k] = v;
    else if (typeof v === 'bigint' || (typeof v === 'number' && !numbers.includes(k))) {
      row[k] = String(v);
    } else if (typeof v === 'string' && TIMESTAMP.test(k)) row[k] = new Date(v);
    else row[k] = v;
  }
  return row as T;
}

/**
 * The `data` of each event: the entity as the API shows it, from the row the change wrote, so a
 * webhook and a GET of the same entity at that moment carry the same fields.
 */
export class ModulePayloads extends EventPayloads {
  constructor(private readonly db: DataSource) {
    super();
  }

  async payload(entity: string, snapshot: Record<string, unknown>): Promise<unknown> {
    switch (entity) {
      case 'transaction':
        return presentTransaction(toTransaction(asRow<TransactionRow>(snapshot, ['sequence'])));
      case 'ledger':
        return presentLedger(toLedger(asRow<LedgerRow>(snapshot)));
      case 'balance':
        return presentBalance(toBalance(asRow<BalanceRow>(snapshot)));
      case 'identity': {
        // Read now: the outbox keeps no copy of PII (tokenized fields show as tokens). An
        // identity deleted since is sent as its id alone.
        const rows: IdentityRow[] = await this.db.query(
          `SELECT ${IDENTITY_COLUMNS} FROM identity WHERE identity_id = $1`,
          [snapshot.identity_id],
        );
        return rows.length ? presentIdentity(toIdentity(rows[0])) : snapshot;
      }
      default:
        // Events built by the application (bulk outcomes, system errors) carry their payload.
        return snapshot;
    }
  }
}
