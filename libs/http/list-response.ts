import type { Page } from '@libs/core/list-query';

/**
 * Blnk's list bodies (reference §3.2): a bare array, or `{data, total_count}` when the caller asked
 * for the count (the count is omitted for an empty page).
 */
export function listBody<T, V>(
  page: Page<T>,
  present: (t: T) => V,
  includeCount: boolean,
): unknown {
  const data = page.items.map(present);
  if (!includeCount) return data;
  return page.totalCount === undefined ? { data } : { data, total_count: page.totalCount };
}
