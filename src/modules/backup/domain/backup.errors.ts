import { DomainError } from '@libs/core/domain-error';

/**
 * Blnk's backup failure (reference §2.13, §6.1): 500 `ADMIN_BACKUP_FAILED`, with the legacy
 * `error` an object `{code, message, details}` instead of a string. `reason` says what failed.
 */
export function backupFailed(reason: string): DomainError {
  const details = { reason };
  return new DomainError('ADMIN_BACKUP_FAILED', 'error creating backup', details, 'error', {
    error: { code: 'INTERNAL_SERVER_ERROR', message: 'error creating backup', details },
  });
}

/** `neraca restore` into a database that already holds a schema (it would mix two ledgers). */
export const restoreTargetNotEmpty = () =>
  new DomainError(
    'GEN_CONFLICT',
    'the target database is not empty (schema blnk exists): restore into a new database',
  );
