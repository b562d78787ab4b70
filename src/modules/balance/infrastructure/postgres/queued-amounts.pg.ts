import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { QueuedAmounts } from '../../application/ports/queued-amounts';

/**
 * A read model over the transaction engine's work list: pending queued rows that debit or credit
 * the balance (reference §5.5.6; SCHEDULED work that is not due yet is not counted). Read-only,
 * so the balance module need not depend on the transaction module, which depends on it.
 */
@Injectable()
export class QueuedAmountsPg extends QueuedAmounts {
  constructor(private readonly db: DataSource) {
    super();
  }

  async of(balanceId: string): Promise<{ debit: bigint; credit: bigint }> {
    const [r]: { debit: string; credit: string }[] = await this.db.query(
      `SELECT COALESCE(sum(t.precise_amount) FILTER (WHERE t.source = $1), 0)::text AS debit,
              COALESCE(sum(t.precise_amount) FILTER (WHERE t.destination = $1 AND t.source <> $1), 0)::text AS credit
       FROM queued_work w JOIN transactions t ON t.transaction_id = w.transaction_id
       WHERE (t.source = $1 OR t.destination = $1) AND t.status = 'QUEUED'`,
      [balanceId],
    );
    return { debit: BigInt(r.debit), credit: BigInt(r.credit) };
  }
}
