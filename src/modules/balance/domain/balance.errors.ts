import { DomainError, fieldErrorMessage } from '@libs/core/domain-error';

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

export const indicatorBalanceNotFound = (indicator: string, currency: string) =>
  new DomainError(
    'BAL_NOT_FOUND',
    `Balance with indicator '${indicator}' and currency '${currency}' not found`,
  );

export const identityNotFoundForBalance = (identityId: string) =>
  new DomainError('BAL_NOT_FOUND', `Identity with ID '${identityId}' not found`);

export const identityIdBlank = () =>
  new DomainError(
    'GEN_VALIDATION_ERROR',
    fieldErrorMessage({ identity_id: 'cannot be blank' }),
    undefined,
    'errors',
  );
