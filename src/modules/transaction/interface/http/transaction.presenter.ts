import { rawNumber } from '@libs/core/json';
import { rfc3339, ZERO_TIME } from '@libs/http/time';
import type { RecordedTransaction } from '../../application/pipeline/record-transaction.use-case';
import type { DistributionInput } from '../../domain/record-request';
import type { MetaData, Transaction, TransactionFlags } from '../../domain/transaction';
import type { ChainSeal } from '../../domain/chain';
import type {
  FundAllocation,
  ReconciliationMark,
} from '../../application/ports/transaction.repository';

const MAY_BE_INFLIGHT = new Set(['INFLIGHT', 'QUEUED', 'SCHEDULED']);

/**
 * The metadata Blnk shows: the client's keys, plus the keys Blnk's engine writes there
 * (reference §5.15), derived from the row's columns. `inflight` is not among them: Blnk lifts it
 * to the top-level flag.
 */
export function presentedMeta(t: Transaction): MetaData | null {
  const meta: MetaData = { ...(t.metaData ?? {}) };
  if (t.atomic) meta.atomic = true;
  if (t.allowOverdraft) meta.allow_overdraft = true;
  if (t.queuedParent) meta.QUEUED_PARENT_TRANSACTION = t.queuedParent;
  if (t.sequence !== null) meta.sequence = t.sequence;
  if (t.rejectionReason !== null) meta.blnk_rejection_reason = t.rejectionReason;
  return Object.keys(meta).length ? meta : null;
}

/**
 * A transaction as Blnk renders it (reference §2.5.1, §4.3). `inflight` shows only on a row that
 * is or will become a hold; an empty meta_data is omitted. `request` carries the flags of the
 * request that created the row, when there was one.
 */
export function presentTransaction(
  t: Transaction,
  request?: TransactionFlags,
): Record<string, unknown> {
  const meta = presentedMeta(t);
  const view: Record<string, unknown> = {
    precise_amount: t.preciseAmount,
    amount: rawNumber(t.amount),
  };
  if (request?.amountString) view.amount_string = request.amountString;
  Object.assign(view, {
    precision: t.precision,
    overdraft_limit: rawNumber(request?.overdraftLimit ?? t.overdraftLimit),
    transaction_id: t.transactionId,
    parent_transaction: t.parentTransaction,
    ...(t.source ? { source: t.source } : {}),
    ...(t.destination ? { destination: t.destination } : {}),
    reference: t.reference,
    currency: t.currency,
  });
  if (t.description) view.description = t.description;
  Object.assign(view, {
    status: t.status,
    hash: t.hash,
    allow_overdraft: t.allowOverdraft,
    inflight: t.inflight && MAY_BE_INFLIGHT.has(t.status),
    skip_queue: request?.skipQueue ?? false,
    atomic: t.atomic,
    created_at: rfc3339(t.createdAt),
    effective_date: rfc3339(t.effectiveDate),
    scheduled_for: t.scheduledFor ? rfc3339(t.scheduledFor) : ZERO_TIME,
    inflight_expiry_date: request?.inflightExpiryDate
      ? rfc3339(request.inflightExpiryDate)
      : ZERO_TIME,
    inflight_commit_date: request?.inflightCommitDate
      ? rfc3339(request.inflightCommitDate)
      : ZERO_TIME,
  });
  if (meta) view.meta_data = meta;
  return view;
}

/**
 * A stored row with its place in the hash chain: `chain_seq` and `chain_hash` once the sealer has
 * reached it, absent before (as a row that never had them).
 */
export function presentStored(
  t: Transaction,
  seals: Map<string, ChainSeal>,
  marks: Map<string, ReconciliationMark> = new Map(),
  allocations: Map<string, FundAllocation[]> = new Map(),
): Record<string, unknown> {
  const view = presentTransaction(t);
  const seal = seals.get(t.transactionId);
  if (seal) Object.assign(view, { chain_seq: seal.seq, chain_hash: seal.hash });
  const mark =
    marks.get(t.transactionId) ??
    (t.parentTransaction ? marks.get(t.parentTransaction) : undefined);
  if (mark) view.meta_data = { ...((view.meta_data as MetaData) ?? {}), ...reconciledMeta(mark) };
  // Blnk writes the allocation into the debit's meta_data (§5.15); here it is derived from the
  // typed allocations, so no client can write or forge it (the key is reserved).
  const drawn = allocations.get(t.transactionId);
  if (drawn?.length) {
    view.meta_data = {
      ...((view.meta_data as MetaData) ?? {}),
      BLNK_FUND_ALLOCATION: drawn.map((d) => ({ provider: d.provider, amount: d.amount })),
    } as unknown as MetaData;
  }
  return view;
}

/**
 * The keys Blnk writes into a matched transaction's meta_data (reference §8.4), derived from the
 * match; reserved, so a client can neither send nor forge them.
 */
export function reconciledMeta(m: ReconciliationMark): MetaData {
  return {
    reconciled: true,
    reconciliation_id: m.reconciliationId,
    reconciled_at: rfc3339(m.reconciledAt),
    external_txn_id: m.externalId,
    reconciliation_amount: rawNumber(m.amount),
  } as unknown as MetaData;
}

/** The answer to a recorded request: a split echoes its distributions with each leg's id. */
export function presentRecorded(r: RecordedTransaction): Record<string, unknown> {
  const view = presentTransaction(r.transaction, r.flags);
  if (!r.plan.split) return view;
  const legIds = new Map(r.plan.legs.map((l) => [l.position, l.transactionId]));
  const echo = (list: DistributionInput[]) =>
    list.map((d, i) => ({
      identifier: d.identifier,
      ...(d.distribution !== undefined ? { distribution: d.distribution } : {}),
      ...(d.preciseDistribution !== undefined
        ? { precise_distribution: d.preciseDistribution }
        : {}),
      transaction_id: legIds.get(i) ?? '',
    }));
  if (r.draft.sources) view.sources = echo(r.draft.sources);
  if (r.draft.destinations) view.destinations = echo(r.draft.destinations);
  return view;
}
