import { Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { Clock } from '@libs/core/clock';
import { DomainError } from '@libs/core/domain-error';
import { IdGenerator } from '@libs/core/ids';
import type { ListQuery, Page } from '@libs/core/list-query';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { BalanceUseCases } from '../../balance/application/balance.use-cases';
import { IdentityUseCases } from '../../identity/application/identity.use-cases';
import {
  Account,
  accountName,
  accountNumber,
  CreateAccountRequest,
  validateCreateAccount,
} from '../domain/account';
import { accountIdentityRequired, accountNotFound } from '../domain/account.errors';
import { AccountRepository } from './ports/account.repository';

/** Tries at a fresh number when a generated one is taken (1 in 10^12 per account). */
const GENERATED_NUMBER_TRIES = 3;

/** Accounts (reference §2.7): create around an existing balance, get, list and filter. */
@Injectable()
export class AccountUseCases {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly accounts: AccountRepository,
    private readonly balances: BalanceUseCases,
    private readonly identities: IdentityUseCases,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /**
   * As Blnk: the balance gives the ledger, the currency and (when it has one) the identity, which
   * wins over the request's; the name comes from that identity. A missing number is generated
   * (Blnk would store "" once and then refuse every further account without one).
   * @throws DomainError GEN_VALIDATION_ERROR, BAL_NOT_FOUND, IDT_NOT_FOUND, GEN_CONFLICT.
   */
  async create(req: CreateAccountRequest): Promise<Account> {
    const balanceId = validateCreateAccount(req);
    const balance = await this.balances.get(balanceId);
    const identityId = balance.identityId || req.identityId;
    if (!identityId) throw accountIdentityRequired();
    const identity = await this.identities.get(identityId);
    const a = identity.attributes;
    const base = {
      name: accountName({
        identityType: a.identity_type,
        firstName: a.first_name,
        lastName: a.last_name,
        organizationName: a.organization_name,
      }),
      bankName: req.bankName ?? '',
      currency: balance.currency,
      ledgerId: balance.ledgerId,
      identityId,
      balanceId: balance.balanceId,
      metaData: req.metaData ?? null,
    };
    const generated = !req.number;
    for (let attempt = 1; ; attempt++) {
      const account: Account = {
        ...base,
        accountId: this.ids.next('acc'),
        number: req.number || accountNumber(() => randomInt(10)),
        createdAt: this.clock.now(),
      };
      try {
        await this.uow.run((tx) => this.accounts.insert(tx, account));
        return account;
      } catch (e) {
        const retry =
          generated &&
          e instanceof DomainError &&
          e.code === 'GEN_CONFLICT' &&
          attempt < GENERATED_NUMBER_TRIES;
        if (!retry) throw e;
      }
    }
  }

  async get(id: string): Promise<Account> {
    const account = await this.accounts.findById(id);
    if (!account) throw accountNotFound(id);
    return account;
  }

  list(query: ListQuery): Promise<Page<Account>> {
    return this.accounts.list(query);
  }
}
