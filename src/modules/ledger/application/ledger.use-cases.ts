import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { IdGenerator } from '@libs/core/ids';
import type { ListQuery, Page } from '@libs/core/list-query';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { Ledger, MetaData, validateLedgerName } from '../domain/ledger';
import { ledgerNotFound } from '../domain/ledger.errors';
import { LedgerRepository } from './ports/ledger.repository';

export interface CreateLedgerCommand {
  name: string;
  metaData?: MetaData | null;
}

/** Ledger use cases: small enough to live together (create, get, list, rename, metadata). */
@Injectable()
export class LedgerUseCases {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly ledgers: LedgerRepository,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async create(cmd: CreateLedgerCommand): Promise<Ledger> {
    const ledger: Ledger = {
      ledgerId: this.ids.next('ldg'),
      name: validateLedgerName(cmd.name),
      createdAt: this.clock.now(),
      metaData: cmd.metaData ?? null,
    };
    await this.uow.run((tx) => this.ledgers.insert(tx, ledger));
    return ledger;
  }

  async get(id: string): Promise<Ledger> {
    const ledger = await this.ledgers.findById(id);
    if (!ledger) throw ledgerNotFound(id);
    return ledger;
  }

  list(query: ListQuery): Promise<Page<Ledger>> {
    return this.ledgers.list(query);
  }

  async rename(id: string, name: string): Promise<Ledger> {
    const valid = validateLedgerName(name);
    const ledger = await this.uow.run((tx) => this.ledgers.rename(tx, id, valid));
    if (!ledger) throw ledgerNotFound(id);
    return ledger;
  }

  async mergeMetaData(id: string, patch: MetaData): Promise<MetaData | null> {
    return this.uow.run((tx) => this.ledgers.mergeMetaData(tx, id, patch));
  }
}
