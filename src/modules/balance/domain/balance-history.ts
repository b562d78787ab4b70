import { DomainError } from '@libs/core/domain-error';
import { parseRfc3339 } from '@libs/core/rfc3339';

/**
 * A balance as it stood at an instant (reference §2.3, `GET /balances/:id/at`): the settled
 * amounts of its APPLIED rows whose `COALESCE(effective_date, created_at)` is at or before it.
 * Inflight amounts are not part of it (Blnk computes none either).
 */
export interface HistoricalBalance {
  balanceId: string;
  currency: string;
  balance: bigint;
  creditBalance: bigint;
  debitBalance: bigint;
}

/** The instant asked for: `text` is what the database compares (microseconds at most). */
export interface HistoryInstant {
  /** As the client wrote it (echoed in the answer), or the current time in UTC. */
  shown: string;
  /** RFC 3339 text with the fraction cut to microseconds, for `::timestamptz`. */
  text: string;
}

export const invalidTimestamp = (raw: unknown) =>
  new DomainError(
    'BAL_INVALID_TIMESTAMP',
    `invalid timestamp format: ${JSON.stringify(raw)}; use RFC 3339, e.g. 2024-01-01T15:04:05Z`,
  );

export const invalidSnapshotBatchSize = (raw: unknown) =>
  new DomainError(
    'GEN_VALIDATION_ERROR',
    `Invalid batch_size value: ${JSON.stringify(raw)}; an integer from 1 to ${MAX_SNAPSHOT_BATCH}`,
  );

/** Most balances one snapshot batch reads (and holds a share lock on) in one transaction. */
export const MAX_SNAPSHOT_BATCH = 10_000;
export const DEFAULT_SNAPSHOT_BATCH = 1000;

/**
 * `timestamp` of `GET /balances/:id/at`: absent or empty means now; otherwise RFC 3339 as Go
 * parses it (fraction allowed, zone required, no roll-over dates). A repeated parameter is refused.
 */
export function parseHistoryTimestamp(raw: unknown, now: Date): HistoryInstant {
  if (raw === undefined || raw === '') {
    const iso = now.toISOString();
    return { shown: iso.replace('.000Z', 'Z'), text: iso };
  }
  const instant = typeof raw === 'string' ? parseRfc3339(raw) : undefined;
  if (!instant) throw invalidTimestamp(raw);
  return { shown: raw as string, text: databaseInstant(instant, raw as string) };
}

/**
 * The instant as the database is given it: in UTC, since PostgreSQL refuses zone offsets past
 * ±15:59 that Go takes (up to ±23:59), and an instant that such an offset moves out of years
 * 1-9999 is ±infinity (no row is dated there); the fraction cut, not rounded, to microseconds as
 * Go's comparison does (PostgreSQL would round the digits past them).
 */
function databaseInstant(instant: Date, raw: string): string {
  const year = instant.getUTCFullYear();
  if (year < 1) return '-infinity';
  if (year > 9999) return 'infinity';
  const micros = (/\.(\d+)/.exec(raw)?.[1] ?? '').padEnd(6, '0').slice(0, 6);
  return `${instant.toISOString().slice(0, 19)}.${micros}Z`;
}

/** `from_source`: `true` or `1` recompute from the first row, ignoring snapshots (reference §2.3). */
export function parseFromSource(raw: unknown): boolean {
  return raw === 'true' || raw === '1';
}

/** `batch_size` of `POST /balances-snapshots`: default 1000, else an integer 1…10000. */
export function parseSnapshotBatchSize(raw: unknown): number {
  if (raw === undefined || raw === '') return DEFAULT_SNAPSHOT_BATCH;
  if (typeof raw !== 'string' || !/^\d{1,6}$/.test(raw)) throw invalidSnapshotBatchSize(raw);
  const n = Number(raw);
  if (n < 1 || n > MAX_SNAPSHOT_BATCH) throw invalidSnapshotBatchSize(raw);
  return n;
}

/** `HH:MM` (UTC, 24-hour) as minutes after midnight, or undefined when it is not one. */
export function parseTimeOfDay(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** The first instant strictly after `now` that is `minuteOfDay` minutes after a UTC midnight. */
export function nextDailyRun(now: Date, minuteOfDay: number): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const at = today + minuteOfDay * 60_000;
  return new Date(at > now.getTime() ? at : at + 86_400_000);
}

/** Whether today's (UTC) run time is already past at `now`: a process started late catches up. */
export function dailyRunIsDue(now: Date, minuteOfDay: number): boolean {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return now.getTime() >= today + minuteOfDay * 60_000;
}
