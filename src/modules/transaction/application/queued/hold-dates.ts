import type { TransactionFlags } from '../../domain/transaction';
import type { NewWorkItem } from './ports/queued-work.repository';

/**
 * Work that settles a hold at a given time (reference §5.9): `inflight_commit_date` commits what
 * remains, `inflight_expiry_date` voids it. Whichever comes first wins; the other then finds the
 * hold settled and is dropped. Nothing is scheduled for a transaction that is not a hold.
 */
export function holdDateWork(
  flags: TransactionFlags,
  holdId: string,
  lane: number,
  nextId: () => string,
): NewWorkItem[] {
  if (!flags.inflight) return [];
  const out: NewWorkItem[] = [];
  const at = (kind: 'commit' | 'void', runAt: Date) => {
    const workId = nextId();
    out.push({
      workId,
      kind,
      transactionId: holdId,
      groupId: workId,
      lane,
      runAt,
      options: { scheduled: true },
    });
  };
  if (flags.inflightCommitDate) at('commit', flags.inflightCommitDate);
  if (flags.inflightExpiryDate) at('void', flags.inflightExpiryDate);
  return out;
}
