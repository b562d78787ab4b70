import { DomainError } from '@libs/core/domain-error';

/** Blnk answers a missing account with the generic not-found code (ACC_* are never emitted, §6.2). */
export const accountNotFound = (id: string) =>
  new DomainError('GEN_NOT_FOUND', `account with ID '${id}' not found`);

/** A second account with one number: Blnk's unique index, answered as the conflict it is. */
export const accountNumberTaken = (number: string) =>
  new DomainError('GEN_CONFLICT', `an account with number '${number}' already exists`);

export const accountIdentityRequired = () =>
  new DomainError(
    'GEN_VALIDATION_ERROR',
    'identity_id: is required: the balance has no identity.',
    { identity_id: 'is required: the balance has no identity' },
    'errors',
  );

/** The identity went away between the look-up and the insert (a concurrent delete). */
export const accountIdentityGone = (id: string) =>
  new DomainError('IDT_NOT_FOUND', `Identity with ID '${id}' not found`);
