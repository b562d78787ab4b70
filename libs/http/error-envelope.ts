import { statusOf } from './status-catalogue';

export interface ErrorEnvelope {
  status: number;
  body: Record<string, unknown>;
}

/** Blnk's error body (reference §1.6, §6.1): legacy `error`/`errors` plus `error_detail`. */
export function envelope(
  code: string,
  message: string,
  details?: unknown,
  legacyKey: 'error' | 'errors' = 'error',
  extra?: Record<string, unknown>,
): ErrorEnvelope {
  const detail: Record<string, unknown> = { code, message };
  if (details !== undefined && details !== null) detail.details = details;
  return { status: statusOf(code), body: { [legacyKey]: message, ...extra, error_detail: detail } };
}
