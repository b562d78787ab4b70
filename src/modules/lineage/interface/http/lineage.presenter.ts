import type {
  BalanceLineageWithShadows,
  TransactionLineage,
} from '../../application/lineage-queries.use-case';
import { presentTransaction } from '../../../transaction/interface/http/transaction.presenter';
import type { BalanceLineageView, TransactionLineageView } from './lineage.views';

export function presentBalanceLineage(l: BalanceLineageWithShadows): BalanceLineageView {
  return {
    balance_id: l.balanceId,
    total_with_lineage: l.totalWithLineage,
    aggregate_balance_id: l.aggregateBalanceId,
    providers: l.providers.map((p) => ({
      provider: p.provider,
      amount: p.received,
      available: p.available,
      spent: p.spent,
      held: p.held,
      shadow_balance_id: l.shadowBalanceIds.get(p.provider) ?? '',
    })),
  };
}

export function presentTransactionLineage(l: TransactionLineage): TransactionLineageView {
  const view: TransactionLineageView = {
    transaction_id: l.transactionId,
    shadow_transactions: l.shadowTransactions.map((t) => presentTransaction(t)),
  };
  if (l.fundAllocation.length) view.fund_allocation = l.fundAllocation;
  return view;
}
