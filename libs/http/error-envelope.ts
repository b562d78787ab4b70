import { statusOf } from './status-catalogue';

export interface ErrorEnvelope {
  status: number;
  body: Record<string, unknown>;
  /** Headers the answer carries: `Retry-After` on a 503 (the same request may work later). */
  headers?: Record<string, string>;
}

/** Seconds a client is told to wait before retrying a 503 (database outage, back-pressure). */
export const RETRY_AFTER_SECONDS = 1;

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
  const status = statusOf(code);
  const body = { [legacyKey]: message, ...extra, error_detail: detail };
  if (status !== 503) return { status, body };
  return { status, body, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } };
}
