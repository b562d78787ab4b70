import { DomainError } from '@libs/core/domain-error';

/**
 * Blnk's hook routes keep their historical body (reference §2.11, §6.1): a top-level legacy
 * `code` (INVALID_INPUT, NOT_FOUND, CONFLICT), `message` and `details` beside `error_detail`.
 * Neraca's `error` key is there too, as on every other error. The message is Blnk's
 * ("failed to register hook") followed by the reason, which Blnk only logs.
 */
function hookError(code: string, legacy: string, outer: string, reason?: string): DomainError {
  const message = reason ? `${outer}: ${reason}` : outer;
  return new DomainError(code, message, {}, 'error', { code: legacy, message, details: {} });
}

export const hookInvalid = (outer: string, reason: string) =>
  hookError('HOOK_INVALID', 'INVALID_INPUT', outer, reason);

/** GET answers Blnk's NOT_FOUND "hook not found"; PUT and DELETE their "failed to … hook". */
export const hookNotFound = (action: 'get' | 'update' | 'delete', id: string) =>
  action === 'get'
    ? hookError('HOOK_NOT_FOUND', 'NOT_FOUND', `hook not found: ${id}`)
    : hookError(
        'HOOK_NOT_FOUND',
        'INVALID_INPUT',
        `failed to ${action} hook`,
        `hook not found: ${id}`,
      );

export const hookExists = (id: string) =>
  hookError('GEN_CONFLICT', 'CONFLICT', 'failed to register hook', `hook ${id} already exists`);
