/**
 * Strict date and time parsing. `new Date()` rolls impossible fields forward (2027-02-30 becomes
 * March 2nd, 24:00 the next day) where Go's `time.Parse`, which Blnk uses, refuses them. Here every
 * calendar and clock field must exist as written; nothing is normalised.
 */

// YYYY-MM-DDTHH:MM:SS, optional fraction, mandatory zone: Go's RFC 3339 layout
// `2006-01-02T15:04:05Z07:00`, whose parser also takes fractional seconds (reference §5.1).
const RFC3339_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * A Gregorian calendar date that exists (month 1-12, day within the month). Year 0 is refused
 * too: Go takes it, but PostgreSQL has no year 0 and would fail the insert.
 */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) &&
    year >= 1 &&
    year <= 9999 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

/** A wall-clock time that exists: 00-23, 00-59, 00-59 (Go refuses leap second 60 too). */
export function isClockTime(hour: number, minute: number, second: number): boolean {
  return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59;
}

/**
 * A zone offset `Z`, `±hh:mm` or `±hhmm` in minutes east of UTC, or undefined when the hours are
 * 24 or more or the minutes 60 or more (Go's RFC 3339 parser refuses those).
 */
export function zoneOffsetMinutes(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m) return undefined;
  const [hours, minutes] = [Number(m[2]), Number(m[3])];
  if (hours > 23 || minutes > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

export interface DateTimeFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Digits after the decimal point of the seconds, '' when none. */
  fraction: string;
  offsetMinutes: number;
}

/** The instant of valid fields; fractions beyond milliseconds are truncated (a Date holds ms). */
export function instantOf(f: DateTimeFields): Date {
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.minute, f.second, Number(f.fraction.padEnd(3, '0').slice(0, 3)));
  return new Date(d.getTime() - f.offsetMinutes * 60_000);
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)` with every field in range, or undefined. Date-only
 * text, a missing zone, lower-case `t`/`z` and roll-over dates are all refused, as by Go.
 */
export function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339_RE.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const offsetMinutes = zoneOffsetMinutes(m[8]);
  if (!isCalendarDate(year, month, day) || !isClockTime(hour, minute, second)) return undefined;
  if (offsetMinutes === undefined) return undefined;
  const fields = { year, month, day, hour, minute, second, fraction: m[7] ?? '', offsetMinutes };
  return instantOf(fields);
}
