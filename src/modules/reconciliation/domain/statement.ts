import { formatFloat } from '@libs/core/decimal';
import { parseRfc3339 } from '@libs/core/rfc3339';
import type { RowError } from './reconciliation.errors';

/** A row of an external statement (reference §8.1), checked. `amount` exact, in major units. */
export interface StatementRow {
  /** 1-based position among the data rows. */
  row: number;
  externalId: string;
  amount: string;
  currency: string;
  reference: string;
  description: string;
  /** RFC 3339 as sent (PostgreSQL keeps its microseconds). */
  date: string;
}

/** Columns a CSV header must have; fields every row must have, non-empty (reference §8.1). */
export const REQUIRED_COLUMNS = ['id', 'amount', 'date'] as const;
export const REQUIRED_FIELDS = [
  'id',
  'amount',
  'currency',
  'reference',
  'description',
  'date',
] as const;

/** Longest text a field may hold: a statement is data, not a place for documents. */
export const MAX_FIELD_LENGTH = 1024;

const AMOUNT_RE = /^[+-]?(\d+)(\.\d+)?$/;

/** Errors of a CSV header: a required column missing (matched trimmed, case-insensitively). */
export function headerErrors(header: readonly string[]): RowError[] {
  const names = new Set(header.map(normalizeColumn));
  return REQUIRED_COLUMNS.filter((c) => !names.has(c)).map((c) => ({
    row: 0,
    column: c,
    message: `required column '${c}' not found`,
  }));
}

export const normalizeColumn = (name: string) => name.trim().toLowerCase();

/** A JSON number or numeric string as an exact decimal string, or undefined. */
export function exactAmount(raw: unknown): string | undefined {
  const text =
    typeof raw === 'string'
      ? raw.trim()
      : typeof raw === 'bigint'
        ? String(raw)
        : typeof raw === 'number' && Number.isFinite(raw)
          ? formatFloat(raw)
          : undefined;
  if (text === undefined) return undefined;
  const m = AMOUNT_RE.exec(text);
  if (!m) return undefined;
  const neg = text.startsWith('-');
  const int = m[1].replace(/^0+(?=\d)/, '');
  const frac = (m[2] ?? '').replace(/0+$/, '').replace(/^\.$/, '');
  const out = int + frac;
  return neg && /[1-9]/.test(out) ? '-' + out : out;
}

/**
 * Checks one row's fields (keys already normalized) as reference §8.1 asks, and, better than
 * Blnk, refuses an amount that is not a number and a date that is not RFC 3339 (Blnk stores 0
 * and the zero time). Returns the row, or every fault of it.
 */
export function checkRow(fields: Record<string, unknown>, row: number): StatementRow | RowError[] {
  const errors: RowError[] = [];
  const text = (k: string): string => {
    const v = fields[k];
    return typeof v === 'string'
      ? v
      : v === undefined || v === null
        ? ''
        : typeof v === 'number' || typeof v === 'bigint'
          ? String(v)
          : '';
  };
  const id = text('id');
  for (const k of REQUIRED_FIELDS) {
    const v = fields[k];
    if (v === undefined || v === null || text(k) === '') {
      errors.push({ row, column: k, ...(id ? { id } : {}), message: `${k} is required` });
    } else if (typeof v === 'object' || typeof v === 'boolean') {
      errors.push({ row, column: k, ...(id ? { id } : {}), message: `${k} must be a string` });
    } else if (text(k).length > MAX_FIELD_LENGTH) {
      errors.push({
        row,
        column: k,
        ...(id ? { id } : {}),
        message: `${k} is longer than ${MAX_FIELD_LENGTH} characters`,
      });
    }
  }
  const fault = (column: string, message: string) =>
    errors.push({ row, column, ...(id ? { id } : {}), message });
  const amount = text('amount') ? exactAmount(fields.amount) : undefined;
  if (text('amount') && amount === undefined)
    fault('amount', `amount '${text('amount')}' is not a decimal number`);
  const date = text('date').trim();
  if (date && !parseRfc3339(date)) fault('date', `date '${date}' is not an RFC 3339 date-time`);
  if (errors.length) return errors;
  return {
    row,
    externalId: id,
    amount: amount!,
    currency: text('currency'),
    reference: text('reference'),
    description: text('description'),
    date,
  };
}
