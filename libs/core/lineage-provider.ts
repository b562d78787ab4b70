import { DomainError } from './domain-error';

/** The input key that names where a credit's money came from (reference §5.15, §15). */
export const LINEAGE_PROVIDER_KEY = 'BLNK_LINEAGE_PROVIDER';

/** Longest provider name accepted; the name is stored and shown, never parsed. */
export const MAX_PROVIDER_LENGTH = 100;

/**
 * Refuses a `BLNK_LINEAGE_PROVIDER` that could not name a provider: not a string, empty, longer
 * than MAX_PROVIDER_LENGTH, with spaces at either end or control characters. Blnk silently
 * ignores such a value and the credit's money then has no provider at all.
 * @throws DomainError GEN_VALIDATION_ERROR naming the field.
 */
export function refuseBadLineageProvider(meta: unknown, where: string): void {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return;
  if (!Object.hasOwn(meta, LINEAGE_PROVIDER_KEY)) return;
  const v = (meta as Record<string, unknown>)[LINEAGE_PROVIDER_KEY];
  let problem: string | undefined;
  if (typeof v !== 'string') problem = 'must be a string';
  else if (v.length === 0) problem = 'cannot be empty';
  else if (v.length > MAX_PROVIDER_LENGTH)
    problem = `must be at most ${MAX_PROVIDER_LENGTH} characters`;
  else if (v.trim() !== v) problem = 'cannot start or end with spaces';
  // eslint-disable-next-line no-control-regex
  else if (/[\u0000-\u001f\u007f]/.test(v)) problem = 'cannot contain control characters';
  if (problem) {
    const field = `${where}.${LINEAGE_PROVIDER_KEY}`;
    throw new DomainError('GEN_VALIDATION_ERROR', `${field}: ${problem}`, { field });
  }
}

/**
 * Whether an `@indicator` is one of the names fund lineage reserves for its shadow balances
 * (`@<provider>_<identifier>_lineage`, `@<identifier>_lineage`, reference §5.7). Only the engine
 * posts to those: client money there would make the shadow totals disagree with the lineage.
 */
export function isLineageIndicator(indicator: string | null | undefined): boolean {
  return typeof indicator === 'string' && /^@[\s\S]*_lineage$/.test(indicator);
}
