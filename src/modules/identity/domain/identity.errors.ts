import { DomainError } from '@libs/core/domain-error';

export const identityNotFound = (id: string) =>
  new DomainError('IDT_NOT_FOUND', `Identity with ID '${id}' not found`);

export const identityInvalid = (message: string) =>
  new DomainError('IDT_VALIDATION_ERROR', message);

export const fieldNotTokenizable = (field: string) =>
  new DomainError('IDT_FIELD_NOT_TOKENIZABLE', `field ${field} is not tokenizable`);

export const fieldAlreadyTokenized = (field: string) =>
  new DomainError('IDT_FIELD_ALREADY_TOKENIZED', `field ${field} is already tokenized`);

export const fieldNotTokenized = (field: string) =>
  new DomainError('IDT_FIELD_NOT_TOKENIZED', `field ${field} is not tokenized`);

export const tokenizationDisabled = () =>
  new DomainError(
    'IDT_TOKENIZATION_DISABLED',
    'tokenization is disabled: set tokenization_secret (BLNK_TOKENIZATION_SECRET) to 32 bytes',
  );

/**
 * A stored token that cannot be opened: altered in the database, moved to another identity or
 * field, or made with a key this server does not have. Never answered with a guess at the value.
 */
export const tokenInvalid = (field: string, reason: string) =>
  new DomainError('IDT_TOKEN_INVALID', `token of field ${field} cannot be detokenized: ${reason}`);

export const identityInUse = (id: string) =>
  new DomainError(
    'GEN_CONFLICT',
    `Identity with ID '${id}' is referenced by balances or accounts and cannot be deleted`,
  );
