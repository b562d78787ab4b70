import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { IdGenerator } from '@libs/core/ids';
import type { ListQuery, Page } from '@libs/core/list-query';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { Balance, MetaData, NewBalanceInput, newBalance } from '../domain/balance';
import {
  balanceNotFound,
  identityIdBlank,
  indicatorBalanceNotFound,
} from '../domain/balance.errors';
import { BalanceRepository } from './ports/balance.repository';
import { IdentityDirectory } from './ports/identity-directory';
import { QueuedAmounts } from './ports/queued-amounts';

@Injectable()
export class BalanceUseCases {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly balances: BalanceRepository,
    private readonly identities: IdentityDirectory,
    private readonly queued: QueuedAmounts,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async create(input: NewBalanceInput): Promise<Balance> {
    const balance = newBalance(input, this.ids.next('bln'), this.clock.now());
    await this.uow.run((tx) => this.balances.insert(tx, balance));
    return balance;
  }

  async get(id: string): Promise<Balance> {
    const b = await this.balances.findById(id);
    if (!b) throw balanceNotFound(id);
    return b;
  }

  async getByIndicator(indicator: string, currency: string): Promise<Balance> {
    const b = await this.balances.findByIndicator(indicator, currency);
    if (!b) throw indicatorBalanceNotFound(indicator, currency);
    return b;
  }

  list(query: ListQuery): Promise<Page<Balance>> {
    return this.balances.list(query);
  }

  /** Queued debits and credits not yet applied (GET /balances/:id?with_queued=true). */
  queuedAmounts(balanceId: string): Promise<{ debit: bigint; credit: bigint }> {
    return this.queued.of(balanceId);
  }

  async findIdentity(identityId: string): Promise<Record<string, unknown> | null> {
    return this.identities.find(identityId);
  }

  async setIdentity(balanceId: string, identityId: string): Promise<void> {
    if (!identityId?.trim()) {
      throw identityIdBlank();
    }
    const found = await this.uow.run((tx) => this.balances.setIdentity(tx, balanceId, identityId));
    if (!found) throw balanceNotFound(balanceId);
  }

  mergeMetaData(id: string, patch: MetaData): Promise<MetaData | null> {
    return this.uow.run((tx) => this.balances.mergeMetaData(tx, id, patch));
  }
}
