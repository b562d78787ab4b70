import { laneOf } from '../../domain/lane';
import type { Transaction } from '../../domain/transaction';
import type { NewWorkItem } from './ports/queued-work.repository';

/**
 * The work items of accepted QUEUED rows: one per row, all in `lane`, one group (applied all or
 * none). Each item records the balances it debits and credits, and whether `lane` is their home
 * lane (the lane their own debits go to): that is what lets a lane apply a request only after
 * every earlier one that touches a balance it debits, whichever lane that one went to.
 * Every writer of queued rows builds its work here.
 */
export function queuedRowWork(
  rows: Transaction[],
  at: { groupId: string; lane: number; runAt: Date; lanes: number },
): NewWorkItem[] {
  return rows.map((row) => ({
    workId: row.transactionId,
    kind: 'transaction',
    transactionId: row.transactionId,
    groupId: at.groupId,
    lane: at.lane,
    runAt: at.runAt,
    options: {},
    source: row.source,
    destination: row.destination,
    sourceForeign: laneOf(row.source, at.lanes) !== at.lane,
    destinationForeign: laneOf(row.destination, at.lanes) !== at.lane,
  }));
}
