import { createHash } from 'node:crypto';
import { formatFloat } from '@libs/core/decimal';

/**
 * Per-row hash of reference §5.14: SHA-256 over amount + reference + currency + source +
 * destination. Blnk formats `amount` as a float64, so the exact decimal is converted to the float
 * it denotes for this purpose only (the hash is informational; no money is computed from it).
 */
export function transactionHash(
  amount: string,
  reference: string,
  currency: string,
  source: string,
  destination: string,
): string {
  const formatted = formatFloat(Number(amount));
  return createHash('sha256')
    .update(formatted + reference + currency + source + destination)
    .digest('hex');
}
