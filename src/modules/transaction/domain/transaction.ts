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

/**
 * What steers money, and how rows relate, as typed columns only the engine writes (issue 10).
 * `meta_data` is the client's alone; the keys Blnk shows there for these are derived on output.
 */
export interface EngineFields {
  allowOverdraft: boolean;
  /** Major units, exact decimal string; '0' = none. */
  overdraftLimit: string;
  /** A hold, or a queued row that will become one. */
  inflight: boolean;
  atomic: boolean;
  /** The id the client was given for the queued request this row belongs to. */
  queuedParent: string | null;
  /** On a worker's outcome row: the QUEUED row it applies. */
  outcomeOf: string | null;
  /** On a refund: the row it reverses. */
  refundOf: string | null;
  /** On a commit or void: the hold it settles. */
  settles: string | null;
  batchId: string | null;
  /** 1-based position in its bulk batch. */
  sequence: number | null;
  rejectionReason: string | null;
}

/** One immutable row of the ledger (reference §4.3, §11.1). Amounts: bigint minor units. */
export interface Transaction extends EngineFields {
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
  /** The client's metadata, never read by the engine. */
  metaData: MetaData | null;
}

/** Request flags that travel with a request but are not columns of its rows (reference §4.3). */
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

export const NO_ENGINE_FIELDS: EngineFields = {
  allowOverdraft: false,
  overdraftLimit: '0',
  inflight: false,
  atomic: false,
  queuedParent: null,
  outcomeOf: null,
  refundOf: null,
  settles: null,
  batchId: null,
  sequence: null,
  rejectionReason: null,
};
