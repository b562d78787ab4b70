import { Injectable } from '@nestjs/common';
import { BalanceUseCases } from '../../balance/application/balance.use-cases';
import { TransactionQueries } from '../../transaction/application/transaction-queries.use-case';
import {
  BalanceLineage,
  balanceLineage,
  fundAllocation,
  lineageNotTracked,
} from '../domain/lineage';
import { LineageRepository } from './ports/lineage.repository';

export interface TransactionLineage {
  transactionId: string;
  fundAllocation: { provider: string; amount: bigint }[];
}

/** The read side of fund lineage (reference §2.3, §2.5.3). */
@Injectable()
export class LineageQueries {
  constructor(
    private readonly balances: BalanceUseCases,
    private readonly transactions: TransactionQueries,
    private readonly lineage: LineageRepository,
  ) {}

  /** @throws BAL_NOT_FOUND, GEN_BAD_REQUEST when the balance does not track lineage. */
  async ofBalance(balanceId: string): Promise<BalanceLineage> {
    const b = await this.balances.get(balanceId);
    if (!b.trackFundLineage) throw lineageNotTracked(balanceId);
    return balanceLineage(balanceId, await this.lineage.positions(balanceId));
  }

  /** @throws TXN_NOT_FOUND. */
  async ofTransaction(transactionId: string): Promise<TransactionLineage> {
    await this.transactions.get(transactionId);
    const allocations = await this.lineage.allocations(transactionId);
    return { transactionId, fundAllocation: fundAllocation(allocations) };
  }
}
