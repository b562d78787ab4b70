import { DomainError, fieldErrorMessage } from '@libs/core/domain-error';

export const validationError = (fields: Record<string, string>) =>
  new DomainError('TXN_VALIDATION_ERROR', fieldErrorMessage(fields), undefined, 'errors');

/** skip_queue with scheduled_for: a payment meant for later must not move money now. */
export const scheduledSkipQueue = () =>
  validationError({
    scheduled_for: 'cannot be combined with skip_queue: a scheduled transaction is queued',
  });

/** A blocking pre-transaction hook refused the request (issue 13): nothing was written. */
export const vetoedByHook = (message?: string) =>
  new DomainError(
    'TXN_REJECTED_BY_HOOK',
    `rejected by a pre-transaction hook${message ? `: ${message}` : ''}`,
  );

export const transactionNotFound = (what: string) =>
  new DomainError('TXN_NOT_FOUND', `transaction not found: ${what}`);

export const balanceMissing = (id: string) =>
  new DomainError('TXN_NOT_FOUND', `Balance with ID '${id}' not found`);

/** A client's transfer, refund, commit or void touching a fund-lineage shadow balance. */
export const shadowBalanceRefused = (balanceId: string) =>
  validationError({
    balance: `${balanceId} is a fund-lineage shadow balance: only the engine posts to it`,
  });

export const duplicateReference = (reference: string) =>
  new DomainError(
    'TXN_DUPLICATE_REFERENCE',
    `transaction validation failed: reference ${reference} has already been used`,
  );

export const insufficientFunds = () =>
  new DomainError(
    'TXN_INSUFFICIENT_FUNDS',
    'failed to apply transaction to balances: insufficient funds in source balance',
  );

export const overdraftLimitExceeded = () =>
  new DomainError(
    'TXN_VALIDATION_ERROR',
    'failed to apply transaction to balances: transaction exceeds overdraft limit',
  );

export const nonPositiveAmount = () =>
  new DomainError('TXN_INVALID_AMOUNT', 'transaction amount must be positive');

export const sameBalance = () =>
  new DomainError('TXN_VALIDATION_ERROR', 'source and destination cannot be the same balance');

export const currencyMismatch = (balanceId: string, balanceCurrency: string, currency: string) =>
  new DomainError(
    'TXN_VALIDATION_ERROR',
    `currency mismatch: balance ${balanceId} holds ${balanceCurrency} but the transaction is in ${currency}`,
  );

export const alreadyRefunded = (id: string) =>
  new DomainError('GEN_CONFLICT', `transaction ${id} has already been refunded`);

export const queueBackpressure = () =>
  new DomainError(
    'QUEUE_BACKPRESSURE',
    'queue backpressure: too much work is waiting, try again later',
  );

export const isItselfARefund = (id: string) =>
  new DomainError('GEN_BAD_REQUEST', `transaction ${id} is itself a refund`);

export const notRefundable = (id: string, status: string) =>
  new DomainError(
    'GEN_BAD_REQUEST',
    `transaction ${id} cannot be refunded in status ${status} (only APPLIED transactions can)`,
  );

export const bulkEmpty = () => new DomainError('TXN_BULK_EMPTY', 'transactions cannot be empty');

export const bulkTooLarge = (message: string) =>
  new DomainError('TXN_BULK_LIMIT_EXCEEDED', message);

/** A bulk item that fails request validation, named by its 0-based index. */
export const bulkItemInvalid = (index: number, message: string) =>
  new DomainError(
    'TXN_VALIDATION_ERROR',
    `transactions[${index}]: ${message}`,
    { index },
    'errors',
  );

export const settlementAlreadyQueued = () =>
  new DomainError('GEN_CONFLICT', 'a commit or void is already queued for this transaction');

export const notInflight = (id: string) =>
  new DomainError('TXN_NOT_INFLIGHT', `transaction ${id} is not in inflight status`);

export const invalidStatusAction = () =>
  new DomainError('TXN_INVALID_STATUS_ACTION', 'status not supported. use either commit or void');

export const invalidAmount = (message: string) => new DomainError('TXN_INVALID_AMOUNT', message);
