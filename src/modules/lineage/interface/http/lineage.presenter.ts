import type { TransactionLineage } from '../../application/lineage-queries.use-case';
import type { BalanceLineage } from '../../domain/lineage';
import type { BalanceLineageView, TransactionLineageView } from './lineage.views';

export function presentBalanceLineage(l: BalanceLineage): BalanceLineageView {
  return {
    balance_id: l.balanceId,
    total_with_lineage: l.totalWithLineage,
    aggregate_balance_id: '',
    providers: l.providers.map((p) => ({
      provider: p.provider,
      amount: p.received,
      available: p.available,
      spent: p.spent,
      held: p.held,
      shadow_balance_id: '',
    })),
  };
}

export function presentTransactionLineage(l: TransactionLineage): TransactionLineageView {
  const view: TransactionLineageView = { transaction_id: l.transactionId, shadow_transactions: [] };
  if (l.fundAllocation.length) view.fund_allocation = l.fundAllocation;
  return view;
}
