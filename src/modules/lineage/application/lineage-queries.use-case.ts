import { Injectable } from '@nestjs/common';
import { BalanceUseCases } from '../../balance/application/balance.use-cases';
import { TransactionQueries } from '../../transaction/application/transaction-queries.use-case';
import {
  BalanceLineage,
  balanceLineage,
  fundAllocation,
  lineageNotTracked,
} from '../domain/lineage';
import { AGGREGATE } from '../domain/shadow';
import { LineageRepository } from './ports/lineage.repository';
import { ShadowLedgerRepository } from './ports/shadow-ledger.repository';

type StoredTransaction = Awaited<ReturnType<TransactionQueries['get']>>;

export interface TransactionLineage {
  transactionId: string;
  fundAllocation: { provider: string; amount: bigint }[];
  /** Its shadow transactions posted so far (the projection follows commit). */
  shadowTransactions: StoredTransaction[];
}

export interface BalanceLineageWithShadows extends BalanceLineage {
  /** '' until the projection has posted the balance's first shadow transaction. */
  aggregateBalanceId: string;
  /** provider → shadow balance id. */
  shadowBalanceIds: Map<string, string>;
}

/** The read side of fund lineage (reference §2.3, §2.5.3). */
@Injectable()
export class LineageQueries {
  constructor(
    private readonly balances: BalanceUseCases,
    private readonly transactions: TransactionQueries,
    private readonly lineage: LineageRepository,
    private readonly shadows: ShadowLedgerRepository,
  ) {}

  /** @throws BAL_NOT_FOUND, GEN_BAD_REQUEST when the balance does not track lineage. */
  async ofBalance(balanceId: string): Promise<BalanceLineageWithShadows> {
    const b = await this.balances.get(balanceId);
    if (!b.trackFundLineage) throw lineageNotTracked(balanceId);
    // The amounts come from the typed positions (never behind); shadow ids as far as projected.
    const [positions, shadows] = await Promise.all([
      this.lineage.positions(balanceId),
      this.shadows.shadowsOf(balanceId),
    ]);
    return {
      ...balanceLineage(balanceId, positions),
      aggregateBalanceId: shadows.get(AGGREGATE) ?? '',
      shadowBalanceIds: shadows,
    };
  }

  /** @throws TXN_NOT_FOUND. */
  async ofTransaction(transactionId: string): Promise<TransactionLineage> {
    await this.transactions.get(transactionId);
    const [allocations, shadowIds] = await Promise.all([
      this.lineage.allocations(transactionId),
      this.shadows.shadowTransactionsOf(transactionId),
    ]);
    const shadowTransactions = await Promise.all(shadowIds.map((id) => this.transactions.get(id)));
    return { transactionId, fundAllocation: fundAllocation(allocations), shadowTransactions };
  }
}
