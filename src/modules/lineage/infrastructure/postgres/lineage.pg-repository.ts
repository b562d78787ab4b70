import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LineageRepository } from '../../application/ports/lineage.repository';
import type { LineageAllocation, LineagePosition } from '../../domain/lineage';

interface PositionRow {
  provider: string;
  received: string;
  spent: string;
  held: string;
}

interface AllocationRow {
  transaction_id: string;
  balance_id: string;
  provider: string;
  kind: LineageAllocation['kind'];
  amount: string;
}

@Injectable()
export class LineagePgRepository extends LineageRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async positions(balanceId: string): Promise<LineagePosition[]> {
    const rows: PositionRow[] = await this.db.query(
      `SELECT provider, received::text, spent::text, held::text FROM lineage_positions
       WHERE balance_id = $1 ORDER BY position_seq`,
      [balanceId],
    );
    return rows.map((r) => ({
      provider: r.provider,
      received: BigInt(r.received),
      spent: BigInt(r.spent),
      held: BigInt(r.held),
    }));
  }

  async allocations(transactionId: string): Promise<LineageAllocation[]> {
    const rows: AllocationRow[] = await this.db.query(
      `SELECT a.transaction_id, a.balance_id, a.provider, a.kind, a.amount::text
       FROM lineage_allocations a
       WHERE a.transaction_id = $1
          OR a.transaction_id IN (SELECT transaction_id FROM transactions WHERE outcome_of = $1)
       ORDER BY a.id`,
      [transactionId],
    );
    return rows.map((r) => ({
      transactionId: r.transaction_id,
      balanceId: r.balance_id,
      provider: r.provider,
      kind: r.kind,
      amount: BigInt(r.amount),
    }));
  }
}
