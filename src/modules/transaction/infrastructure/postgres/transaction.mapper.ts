import type { Transaction, TransactionStatus } from '../../domain/transaction';

export interface TransactionRow {
  transaction_id: string;
  parent_transaction: string;
  source: string;
  destination: string;
  reference: string;
  amount: string;
  precise_amount: string;
  precision: string;
  currency: string;
  description: string;
  status: string;
  hash: string;
  created_at: Date;
  effective_date: Date | null;
  scheduled_for: Date | null;
  meta_data: Record<string, unknown> | null;
}

export const TRANSACTION_COLUMNS = `transaction_id, parent_transaction, source, destination, reference, amount,
  precise_amount, precision, currency, description, status, hash, created_at, effective_date,
  scheduled_for, meta_data`;

export function toTransaction(r: TransactionRow): Transaction {
  return {
    transactionId: r.transaction_id,
    parentTransaction: r.parent_transaction,
    source: r.source,
    destination: r.destination,
    reference: r.reference,
    amount: r.amount,
    preciseAmount: BigInt(r.precise_amount),
    precision: BigInt(r.precision),
    currency: r.currency,
    description: r.description,
    status: r.status as TransactionStatus,
    hash: r.hash,
    createdAt: r.created_at,
    effectiveDate: r.effective_date ?? r.created_at,
    scheduledFor: r.scheduled_for,
    metaData: r.meta_data,
  };
}
