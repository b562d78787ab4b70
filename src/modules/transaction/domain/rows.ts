import { divideToDecimalString } from '@libs/core/decimal';
import { transactionHash } from './hash';
import type { PlannedLeg } from './plan';
import type { TransactionDraft } from './record-request';
import { EngineFields, NO_ENGINE_FIELDS, Transaction, TransactionStatus } from './transaction';

/**
 * The factories of ledger rows. Every row the engine appends is built here, so which columns a
 * kind of row carries (and which it never does) is decided in one place: a transfer carries its
 * request's flags, an outcome its queued row's, a settlement or refund names what it settles or
 * reverses, and none of them copies engine state out of the client's metadata.
 */

/** Where a request's rows sit: under a split parent, a bulk batch, a queued request. */
export interface RowContext {
  /** parent_transaction: the split parent, else the batch id, else ''. */
  parent: string;
  batchId: string | null;
  sequence: number | null;
}

/** The engine columns of a request's rows, from its validated flags. */
export function requestFields(d: TransactionDraft, ctx: RowContext): EngineFields {
  return {
    ...NO_ENGINE_FIELDS,
    allowOverdraft: d.flags.allowOverdraft,
    overdraftLimit: d.flags.overdraftLimit,
    inflight: d.flags.inflight,
    atomic: d.flags.atomic,
    batchId: ctx.batchId,
    sequence: ctx.sequence,
  };
}

/** A row of a request as the synchronous path appends it (APPLIED, or INFLIGHT for a hold). */
export function postedRow(
  d: TransactionDraft,
  leg: PlannedLeg,
  ends: { source: string; destination: string },
  ctx: RowContext,
  now: Date,
): Transaction {
  return {
    ...requestFields(d, ctx),
    transactionId: leg.transactionId,
    parentTransaction: ctx.parent,
    source: ends.source,
    destination: ends.destination,
    reference: leg.reference,
    amount: leg.amount,
    preciseAmount: leg.preciseAmount,
    precision: d.precision,
    currency: d.currency,
    description: d.description,
    status: d.flags.inflight ? 'INFLIGHT' : 'APPLIED',
    hash: transactionHash(leg.amount, leg.reference, d.currency, ends.source, ends.destination),
    createdAt: now,
    effectiveDate: d.effectiveDate ?? now,
    scheduledFor: null,
    metaData: d.metaData,
  };
}

/** A QUEUED (or SCHEDULED) row: the request accepted, waiting for a worker. */
export function queuedRow(
  d: TransactionDraft,
  leg: PlannedLeg,
  reference: string,
  ends: { source: string; destination: string },
  ctx: RowContext & { queuedParent: string },
  now: Date,
): Transaction {
  return {
    ...postedRow(d, { ...leg, reference }, ends, ctx, now),
    queuedParent: ctx.queuedParent,
    status: d.scheduledFor ? 'SCHEDULED' : 'QUEUED',
    scheduledFor: d.scheduledFor,
  };
}

/** The outcome a worker appends for a queued row: `<reference>_q`, parent = the queued row. */
export function outcomeRow(
  queued: Transaction,
  transactionId: string,
  now: Date,
  rejection?: string,
): Transaction {
  const reference = `${queued.reference}_q`;
  const status: TransactionStatus = rejection
    ? 'REJECTED'
    : queued.inflight
      ? 'INFLIGHT'
      : 'APPLIED';
  return {
    ...queued,
    transactionId,
    parentTransaction: queued.transactionId,
    reference,
    status,
    hash: transactionHash(
      queued.amount,
      reference,
      queued.currency,
      queued.source,
      queued.destination,
    ),
    createdAt: now,
    scheduledFor: queued.scheduledFor,
    outcomeOf: queued.transactionId,
    rejectionReason: rejection ?? null,
  };
}

/** A commit (APPLIED) or void (VOID) child of a hold, for `amount` minor units. */
export function settlementRow(
  hold: Transaction,
  args: {
    transactionId: string;
    reference: string;
    amount: bigint;
    status: 'APPLIED' | 'VOID';
    now: Date;
  },
): Transaction {
  const amountText = divideToDecimalString(args.amount, hold.precision);
  return {
    ...hold,
    ...NO_ENGINE_FIELDS,
    batchId: hold.batchId,
    sequence: hold.sequence,
    // A commit of a queued hold stays part of the request the client knows by its queued id.
    queuedParent: hold.queuedParent,
    settles: hold.transactionId,
    transactionId: args.transactionId,
    parentTransaction: hold.transactionId,
    reference: args.reference,
    amount: amountText,
    preciseAmount: args.amount,
    status: args.status,
    hash: transactionHash(amountText, args.reference, hold.currency, hold.source, hold.destination),
    createdAt: args.now,
    effectiveDate: args.now,
    scheduledFor: null,
  };
}

/**
 * The row that reverses `target` (reference §5.10): swapped sides, same amount, overdraft
 * allowed (the money goes back even if it was spent), parent = the target.
 */
export function refundRow(
  target: Transaction,
  args: {
    transactionId: string;
    reference: string;
    description?: string;
    metaData: Transaction['metaData'];
    status: 'APPLIED' | 'QUEUED';
    now: Date;
  },
): Transaction {
  return {
    ...target,
    ...NO_ENGINE_FIELDS,
    allowOverdraft: true,
    refundOf: target.transactionId,
    transactionId: args.transactionId,
    parentTransaction: target.transactionId,
    source: target.destination,
    destination: target.source,
    reference: args.reference,
    description: args.description ?? target.description,
    status: args.status,
    hash: transactionHash(
      target.amount,
      args.reference,
      target.currency,
      target.destination,
      target.source,
    ),
    createdAt: args.now,
    effectiveDate: args.now,
    scheduledFor: null,
    metaData: args.metaData,
  };
}
