import { DomainError, fieldErrorMessage } from '@libs/core/domain-error';

export type MetaData = Record<string, unknown>;

/**
 * Blnk's legacy "bank account" (reference §2.7): a bank name and number wrapped around one
 * balance. The ledger, currency and identity are the balance's, copied when the account is made.
 */
export interface Account {
  accountId: string;
  name: string;
  number: string;
  bankName: string;
  currency: string;
  ledgerId: string;
  identityId: string;
  balanceId: string;
  createdAt: Date;
  metaData: MetaData | null;
}

export interface CreateAccountRequest {
  bankName?: string;
  number?: string;
  currency?: string;
  identityId?: string;
  ledgerId?: string;
  balanceId?: string;
  metaData?: MetaData | null;
}

/**
 * Blnk's rules for the request (reference §2.7): without `balance_id` the ledger, identity and
 * currency are required; with it, ledger and currency must not be given (they come from the
 * balance). Blnk then loads the balance by `balance_id` whatever was sent, so a request without
 * one passes its validation and fails afterwards; here it is refused here, with the reason.
 * @throws DomainError GEN_VALIDATION_ERROR (legacy key `errors`).
 */
export function validateCreateAccount(r: CreateAccountRequest): string {
  const errors: Record<string, string> = {};
  if (!r.balanceId) {
    if (!r.ledgerId) errors.ledger_id = 'Ledger ID is required when Balance ID is not provided';
    if (!r.identityId) {
      errors.identity_id = 'Identity ID is required when Balance ID is not provided';
    }
    if (!r.currency) errors.currency = 'currency is required when Balance ID is not provided';
    if (!Object.keys(errors).length) {
      errors.balance_id = 'is required: an account wraps an existing balance';
    }
  } else {
    if (r.ledgerId) errors.ledger_id = 'either LedgerId or BalanceId must be provided, not both';
    if (r.currency) errors.currency = 'either Currency or BalanceId must be provided, not both';
  }
  if (Object.keys(errors).length) {
    throw new DomainError('GEN_VALIDATION_ERROR', fieldErrorMessage(errors), errors, 'errors');
  }
  return r.balanceId as string;
}

/** What the account needs of its identity: the name Blnk gives an account. */
export interface AccountHolder {
  identityType: string;
  firstName: string;
  lastName: string;
  organizationName: string;
}

/** "First Last", or the organization name for an identity of type `organization` (as Blnk). */
export function accountName(holder: AccountHolder): string {
  if (holder.identityType === 'organization') return holder.organizationName;
  return `${holder.firstName} ${holder.lastName}`;
}

/** Digits of a generated account number: Blnk's mocked ACH numbers have 12. */
export const ACCOUNT_NUMBER_DIGITS = 12;

/** A random account number of ACCOUNT_NUMBER_DIGITS digits, from a source of random digits. */
export function accountNumber(randomDigit: () => number): string {
  let out = '';
  for (let i = 0; i < ACCOUNT_NUMBER_DIGITS; i++) out += String(randomDigit());
  return out;
}
