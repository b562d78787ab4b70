import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { linkRows } from '../../domain/chain';
import { ChainRepository } from '../ports/chain.repository';
import { ChainSettings } from './chain-settings';

/**
 * One round of the sealer: in one database transaction, take the chain head (or leave at once if
 * another sealer has it), read the committed rows not sealed yet in id order, link them onto the
 * head and store the links with the new head. Writers are never waited on: a row is seen only
 * once its transaction has committed, and one that commits late is sealed by a later round.
 */
@Injectable()
export class SealChainUseCase {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly chain: ChainRepository,
    private readonly settings: ChainSettings,
  ) {}

  /** Rows sealed, or null when another sealer held the head. */
  async sealRound(limit = this.settings.batchSize): Promise<number | null> {
    return this.uow.run(async (tx) => {
      const head = await this.chain.lockHead(tx);
      if (!head) return null;
      const rows = await this.chain.unsealed(tx, limit, this.settings.trailingDelayMs);
      if (!rows.length) return 0;
      await this.chain.append(tx, linkRows(head, rows));
      return rows.length;
    });
  }

  /** Seals until nothing is left (rounds that find the head busy are retried). */
  async sealAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.sealRound();
      if (n === 0) return total;
      total += n ?? 0;
    }
  }
}
