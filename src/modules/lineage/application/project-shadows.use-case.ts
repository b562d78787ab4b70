import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@libs/core/unit-of-work';
import type { Tx } from '@libs/core/unit-of-work';
import { EnginePostingsUseCase } from '../../transaction/application/pipeline/engine-postings.use-case';
import {
  AGGREGATE,
  PendingAllocation,
  settlesAHold,
  shadowMeta,
  shadowPosting,
} from '../domain/shadow';
import { ShadowLedgerRepository } from './ports/shadow-ledger.repository';

/** Allocations projected per database transaction. */
export const SHADOW_BATCH = 100;

/**
 * Posts the shadow transactions of fund lineage (reference §15) after the money moves that made
 * the allocations have committed: never inside the locked money move, so lineage costs a money
 * move no extra balance locks. One round is one database transaction that takes the projection
 * (one process at a time, others skip the round), posts the oldest pending allocations in
 * order and marks each projected; posting and mark commit together, so after any crash every
 * allocation is projected exactly once by a later round. A hold's commit or void comes after the
 * hold in allocation order, so its shadow hold is always there first.
 */
@Injectable()
export class ProjectShadowsUseCase {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly shadows: ShadowLedgerRepository,
    private readonly postings: EnginePostingsUseCase,
  ) {}

  /** One round; returns how many allocations it projected (0 when another process holds it). */
  round(limit = SHADOW_BATCH): Promise<number> {
    return this.uow.run(async (tx) => {
      if (!(await this.shadows.takeProjection(tx))) return 0;
      const pending = await this.shadows.pending(tx, limit);
      for (const a of pending) await this.project(tx, a);
      return pending.length;
    });
  }

  private async project(tx: Tx, a: PendingAllocation): Promise<void> {
    const hold = settlesAHold(a)
      ? await this.shadows.shadowOfHold(tx, a.settles!, a.provider)
      : null;
    const s = shadowPosting(a, hold);
    const base = {
      reference: s.reference,
      // A client may have used Blnk's name for the reference already; the allocation id is ours.
      fallbackReference: `${s.reference}_${a.allocationId}`,
      metaData: shadowMeta(a, s.lineageType),
    };
    const posted =
      s.kind === 'transfer'
        ? await this.postings.post(tx, {
            ...base,
            kind: 'transfer',
            source: s.source,
            destination: s.destination,
            currency: a.currency,
            precision: a.precision,
            preciseAmount: a.amount,
            description: `fund lineage: ${s.lineageType} of ${a.provider}`,
            inflight: s.inflight,
          })
        : await this.postings.post(tx, {
            ...base,
            kind: s.kind,
            holdId: s.holdId,
            preciseAmount: a.amount,
          });
    if (s.kind === 'transfer') {
      const moneyIn = s.lineageType === 'credit' || s.lineageType === 'receive';
      const [shadow, aggregate] = moneyIn
        ? [posted.source, posted.destination]
        : [posted.destination, posted.source];
      await this.shadows.rememberShadow(tx, a.balanceId, a.provider, shadow);
      await this.shadows.rememberShadow(tx, a.balanceId, AGGREGATE, aggregate);
    }
    // Never twice: should another round have projected it meanwhile, this one rolls back.
    if (!(await this.shadows.markPosted(tx, a.allocationId, posted.transactionId))) {
      throw new Error(`allocation ${a.allocationId} was projected by another round`);
    }
  }
}
