/**
 * What one attempt to call a hook gave: an answer (status and the first bytes of its body), or no
 * answer at all (the deadline passed, the connection failed).
 */
export type AttemptResult =
  | { kind: 'answer'; status: number; body: string; tooLarge: boolean }
  | { kind: 'timeout'; error: string }
  | { kind: 'unreachable'; error: string };

/**
 * How an attempt ended:
 * - `success`: the hook approved;
 * - `refused`: it answered, and the answer is a failure (a veto, for a blocking pre-hook);
 * - `transient`: it answered with a status that says "try again" (5xx, 408, 429);
 * - `unreachable`: no answer (timeout, connection refused, DNS, TLS).
 */
export interface AttemptOutcome {
  result: 'success' | 'refused' | 'transient' | 'unreachable';
  /** The hook's own `message`, when its answer had one. */
  message?: string;
  /** Why the attempt failed, in the server's words ("answered 500", "timed out after 1000 ms"). */
  reason?: string;
}

/** Longest message of a hook's kept (it becomes a rejection reason and an error message). */
export const MAX_HOOK_MESSAGE_LENGTH = 1000;

/**
 * A hook's message as it may be shown and stored: no control characters (PostgreSQL stores no
 * NUL; a newline would split a log line), at most MAX_HOOK_MESSAGE_LENGTH characters.
 */
export function cleanMessage(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/\s*[\u0000-\u001f\u007f]+\s*/g, ' ').trim();
  const chars = Array.from(flat);
  return chars.length > MAX_HOOK_MESSAGE_LENGTH
    ? chars.slice(0, MAX_HOOK_MESSAGE_LENGTH).join('')
    : flat;
}

const is2xx = (status: number) => status >= 200 && status < 300;
const isTransientStatus = (status: number) => status >= 500 || status === 408 || status === 429;

/**
 * Blnk's reading of a hook's answer (reference §7.2, its `executeHook`), exactly: an empty body is
 * a success with a 2xx and a failure otherwise; a body that is not JSON is a success below 400 and
 * a failure from 400; a JSON body is decoded as `{"success": bool, "message": string}`, and
 * `success` not true (absent, false, or the body `null`) is a failure whatever the status; a JSON
 * body that does not decode so (an array, a string, `"success": "yes"`) is judged by its status
 * as non-JSON is. Beyond Blnk: a redirect is not followed and counts as a failure (the signed
 * body is not sent on to wherever it points), and an answer over the size limit is a failure (as
 * Blnk's over 1 MiB).
 */
export function evaluateAttempt(attempt: AttemptResult): AttemptOutcome {
  if (attempt.kind !== 'answer') return { result: 'unreachable', reason: attempt.error };
  const { status, body } = attempt;
  const failed = (reason: string, message?: string): AttemptOutcome => ({
    result: isTransientStatus(status) ? 'transient' : 'refused',
    reason,
    ...(message ? { message } : {}),
  });
  if (attempt.tooLarge) return failed(`answered ${status} with a body over the size limit`);
  if (status >= 300 && status < 400) {
    return failed(`answered ${status} (a redirect, which is not followed)`);
  }
  if (body.length === 0) {
    return is2xx(status) ? { result: 'success' } : failed(`answered ${status} with no body`);
  }
  const decoded = decodeAnswer(body);
  if (decoded === undefined) {
    return status < 400 ? { result: 'success' } : failed(`answered ${status}`);
  }
  const message = decoded.message ? cleanMessage(decoded.message) || undefined : undefined;
  if (decoded.success) return { result: 'success', ...(message ? { message } : {}) };
  return failed(`answered ${status} without "success": true`, message);
}

/** The body as Go's json.Unmarshal into HookResponse sees it; undefined when that fails. */
function decodeAnswer(body: string): { success: boolean; message?: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (value === null) return { success: false };
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { success, message } = value as Record<string, unknown>;
  if (success !== undefined && success !== null && typeof success !== 'boolean') return undefined;
  if (message !== undefined && message !== null && typeof message !== 'string') return undefined;
  return { success: success === true, ...(typeof message === 'string' ? { message } : {}) };
}

/** Whether an attempt that ended so is worth another try. A deliberate answer is final. */
export function isRetryable(outcome: AttemptOutcome): boolean {
  return outcome.result === 'transient' || outcome.result === 'unreachable';
}

/**
 * How long to wait before retry number `retry` (1-based): exponential from `firstMs`, capped at
 * `maxMs`, the upper half drawn at random (`random` in [0, 1)) so that hooks coming back from an
 * outage are not hit by every caller in the same instant.
 */
export function backoffMs(retry: number, firstMs: number, maxMs: number, random: number): number {
  const ceiling = Math.min(maxMs, firstMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
