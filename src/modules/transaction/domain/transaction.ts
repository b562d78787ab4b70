export type MetaData = Record<string, unknown>;

export const TRANSACTION_STATUSES = [
  'QUEUED',
  'SCHEDULED',
  'APPLIED',
  'INFLIGHT',
  'VOID',
  'REJECTED',
] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/** One immutable row of the ledger (reference §4.3, §11.1). Amounts: bigint minor units. */
export interface Transaction {
  transactionId: string;
  parentTransaction: string;
  source: string;
  destination: string;
  reference: string;
  /** Major units as an exact decimal string. */
  amount: string;
  preciseAmount: bigint;
  precision: bigint;
  currency: string;
  description: string;
  status: TransactionStatus;
  hash: string;
  createdAt: Date;
  effectiveDate: Date;
  scheduledFor: Date | null;
  metaData: MetaData | null;
}

/** Request flags that travel with a transaction but are not columns (reference §4.3). */
export interface TransactionFlags {
  allowOverdraft: boolean;
  inflight: boolean;
  skipQueue: boolean;
  atomic: boolean;
  /** Major units, exact decimal string; '0' = none. */
  overdraftLimit: string;
  inflightExpiryDate: Date | null;
  inflightCommitDate: Date | null;
  /** Exact major amount, present when it was derived from precise_amount. */
  amountString?: string;
}

/** Flags persisted inside meta_data (reference §5.15). */
export function flagsFromMeta(
  meta: MetaData | null,
): Pick<TransactionFlags, 'allowOverdraft' | 'inflight' | 'atomic'> {
  return {
    allowOverdraft: meta?.allow_overdraft === true,
    inflight: meta?.inflight === true,
    atomic: meta?.atomic === true,
  };
}
