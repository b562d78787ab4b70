/** Go's zero time, which Blnk always renders for unset non-pointer time fields (reference §1.5). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function rfc3339(d: Date | null | undefined): string {
  return d ? d.toISOString() : ZERO_TIME;
}
