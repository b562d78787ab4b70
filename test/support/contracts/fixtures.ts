import { newBalance, type Balance } from '../../../src/modules/balance/domain/balance';
import type { NewWorkItem } from '../../../src/modules/transaction/application/queued/ports/queued-work.repository';
import { NO_ENGINE_FIELDS, Transaction } from '../../../src/modules/transaction/domain/transaction';

/** The time the contract suites' rows are written at, and their "now" when they drain. */
export const T0 = new Date('2026-01-01T00:00:00.000Z');
export const at = (ms: number) => new Date(T0.getTime() + ms);

/**
 * Ids the suites use have one length and one alphabet, so that text order is the same under any
 * collation (PGlite's and a PostgreSQL server's) and in JavaScript.
 */
export const txn = (n: number) => `txn_${String(n).padStart(2, '0')}`;

/** A USD balance of the general ledger, holding `funds` (settled credit). */
export function usd(id: string, funds = 0n, over: Partial<Balance> = {}): Balance {
  const b = newBalance({ ledgerId: 'general_ledger_id', currency: 'USD' }, id, T0);
  return { ...b, creditBalance: funds, balance: funds, ...over };
}

/** A ledger row from bln_a to bln_b (APPLIED unless told), as a repository stores it. */
export function row(n: number, over: Partial<Transaction> = {}): Transaction {
  return {
    ...NO_ENGINE_FIELDS,
    transactionId: txn(n),
    parentTransaction: '',
    source: 'bln_a',
    destination: 'bln_b',
    reference: `ref-${n}`,
    amount: '1.00',
    preciseAmount: 100n,
    precision: 100n,
    currency: 'USD',
    description: 'd',
    status: 'APPLIED',
    hash: 'h',
    createdAt: T0,
    effectiveDate: T0,
    scheduledFor: null,
    metaData: null,
    ...over,
  };
}

/** A QUEUED row, the client's id as its queued parent (as acceptance writes it). */
export function queued(n: number, over: Partial<Transaction> = {}): Transaction {
  return row(n, { status: 'QUEUED', queuedParent: txn(n), ...over });
}

/** The work item of a queued row: its own group unless told, due at T0, in lane 0. */
export function itemOf(r: Transaction, over: Partial<NewWorkItem> = {}): NewWorkItem {
  return {
    workId: r.transactionId,
    kind: 'transaction',
    transactionId: r.transactionId,
    groupId: r.transactionId,
    lane: 0,
    runAt: T0,
    options: {},
    source: r.source,
    destination: r.destination,
    sourceForeign: false,
    destinationForeign: false,
    ...over,
  };
}

/** A client's queued commit (or void) of `holdId`. */
export function actionOf(
  workId: string,
  holdId: string,
  over: Partial<NewWorkItem> = {},
): NewWorkItem {
  return {
    workId,
    kind: 'commit',
    transactionId: holdId,
    groupId: workId,
    lane: 0,
    runAt: T0,
    options: {},
    ...over,
  };
}
