import { DomainError, fieldErrorMessage } from '@libs/core/domain-error';

export type MetaData = Record<string, unknown>;

export interface Ledger {
  ledgerId: string;
  name: string;
  createdAt: Date;
  metaData: MetaData | null;
}

export const GENERAL_LEDGER_ID = 'general_ledger_id';

export function validateLedgerName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) {
    throw new DomainError(
      'GEN_VALIDATION_ERROR',
      fieldErrorMessage({ name: 'cannot be blank' }),
      undefined,
      'errors',
    );
  }
  return name;
}
