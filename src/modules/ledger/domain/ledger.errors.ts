import { DomainError } from '@libs/core/domain-error';

export const ledgerNotFound = (id: string) =>
  new DomainError('LGR_NOT_FOUND', `Ledger not found: ${id}`);

export const ledgerExists = (id: string) =>
  new DomainError('LGR_DUPLICATE', `ledger ${id} already exists`);
