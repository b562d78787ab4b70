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
  allow_overdraft: boolean;
  overdraft_limit: string;
  inflight: boolean;
  atomic: boolean;
  queued_parent: string | null;
  outcome_of: string | null;
  refund_of: string | null;
  settles: string | null;
  batch_id: string | null;
  sequence: number | null;
  rejection_reason: string | null;
}

export const TRANSACTION_COLUMNS = `transaction_id, parent_transaction, source, destination, reference, amount,
  precise_amount, precision, currency, description, status, hash, created_at, effective_date,
  scheduled_for, meta_data, allow_overdraft, overdraft_limit, inflight, atomic, queued_parent,
  outcome_of, refund_of, settles, batch_id, sequence, rejection_reason`;

/** The unnest() casts of TRANSACTION_COLUMNS, in order, for one multi-row INSERT. */
export const TRANSACTION_INSERT_TYPES = [
  'text',
  'text',
  'text',
  'text',
  'text',
  'numeric',
  'numeric',
  'numeric',
  'text',
  'text',
  'text',
  'text',
  'timestamptz',
  'timestamptz',
  'timestamptz',
  'jsonb',
  'boolean',
  'numeric',
  'boolean',
  'boolean',
  'text',
  'text',
  'text',
  'text',
  'text',
  'int',
  'text',
];

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
    allowOverdraft: r.allow_overdraft,
    overdraftLimit: r.overdraft_limit,
    inflight: r.inflight,
    atomic: r.atomic,
    queuedParent: r.queued_parent,
    outcomeOf: r.outcome_of,
    refundOf: r.refund_of,
    settles: r.settles,
    batchId: r.batch_id,
    sequence: r.sequence,
    rejectionReason: r.rejection_reason,
  };
}

/** Column values of rows for the multi-row INSERT, in TRANSACTION_COLUMNS order. */
export function insertParams(rows: Transaction[], json: (m: unknown) => string): unknown[][] {
  const col = <T>(f: (t: Transaction) => T) => rows.map(f);
  return [
    col((t) => t.transactionId),
    col((t) => t.parentTransaction),
    col((t) => t.source),
    col((t) => t.destination),
    col((t) => t.reference),
    col((t) => t.amount),
    col((t) => t.preciseAmount.toString()),
    col((t) => t.precision.toString()),
    col((t) => t.currency),
    col((t) => t.description),
    col((t) => t.status),
    col((t) => t.hash),
    col((t) => t.createdAt.toISOString()),
    col((t) => t.effectiveDate.toISOString()),
    col((t) => t.scheduledFor?.toISOString() ?? null),
    col((t) => (t.metaData === null ? null : json(t.metaData))),
    col((t) => t.allowOverdraft),
    col((t) => t.overdraftLimit),
    col((t) => t.inflight),
    col((t) => t.atomic),
    col((t) => t.queuedParent),
    col((t) => t.outcomeOf),
    col((t) => t.refundOf),
    col((t) => t.settles),
    col((t) => t.batchId),
    col((t) => t.sequence),
    col((t) => t.rejectionReason),
  ];
}
