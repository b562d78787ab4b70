import { DomainError } from '@libs/core/domain-error';

export const balanceNotFound = (id: string) =>
  new DomainError('BAL_NOT_FOUND', `Balance with ID '${id}' not found`);

export const balanceExists = (indicator: string, currency: string) =>
  new DomainError(
    'GEN_CONFLICT',
    `Balance already exists for indicator '${indicator}' and currency '${currency}'`,
  );

export const invalidLedger = (id: string) =>
  new DomainError('GEN_BAD_REQUEST', `Invalid ledger ID: ${id}`);

export const invalidIdentity = (id: string) =>
  new DomainError('GEN_BAD_REQUEST', `Invalid identity ID: ${id}`);
