/**
 * The one error type the core raises. `code` is a stable machine code from the Blnk catalogue
 * (reference §6.2); the HTTP edge maps it to a status and the error envelope. `legacyKey` says
 * whether Blnk puts the message under `error` or `errors` for this case (reference §6.1).
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly legacyKey: 'error' | 'errors' = 'error',
    /** Extra top-level fields of the error body (Blnk's bulk failure carries `batch_id`). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Messages keyed by field, rendered the way Blnk's validator does: `a: x; b: y.` sorted by key. */
export function fieldErrorMessage(errors: Record<string, string>): string {
  const keys = Object.keys(errors).sort();
  return keys.map((k) => `${k}: ${errors[k]}`).join('; ') + '.';
}
