import { DomainError } from './domain-error';
import { refuseBadLineageProvider } from './lineage-provider';

/**
 * Keys the engine writes into `meta_data` for Blnk compatibility (reference §5.15). They are
 * derived from typed columns on output; a client may not send them, in any body or through the
 * metadata route, so nothing a client writes can look like engine state. Not listed: the input
 * keys `BLNK_LINEAGE_PROVIDER` and `BLNK_RUN_RECONCILIATION`, which clients are meant to send.
 */
export const RESERVED_META_KEYS: ReadonlySet<string> = new Set([
  'inflight',
  'atomic',
  'allow_overdraft',
  'QUEUED_PARENT_TRANSACTION',
  'queue_lane',
  'queue_pair_key',
  'sequence',
  'blnk_rejection_reason',
  'BLNK_GENERATED_BY',
  'recovery_attempts',
  'recovery_status',
  'recovery_last_attempt',
  'reconciled',
  'reconciliation_id',
  'reconciled_at',
  'external_txn_id',
  'reconciliation_amount',
  'BLNK_FUND_ALLOCATION',
  '_shadow_for',
  // The rest of fund lineage's shadow-transaction keys (reference §15).
  '_provider',
  '_identity_id',
  '_lineage_type',
  '_main_balance',
  'tokenized_fields',
  'BLNK_RECONCILIATION_RESULT',
]);

/** Who created a row: written by the server from the creating key, kept for the row's life. */
export const GENERATED_BY_KEY = 'BLNK_GENERATED_BY';

/**
 * The `meta_data` a replacement (`PUT /identities/:id`) stores: the client's new object, with the
 * creator's `BLNK_GENERATED_BY` carried over from the stored one. The client could not send its
 * own (reserved), so an update can neither forge nor erase who created the row.
 */
export function keepingCreator<M extends Record<string, unknown>>(
  stored: M | null | undefined,
  replacement: M | null,
): M | null {
  if (!stored || !Object.hasOwn(stored, GENERATED_BY_KEY)) return replacement;
  const creator = { [GENERATED_BY_KEY]: stored[GENERATED_BY_KEY] };
  return { ...(replacement ?? {}), ...creator } as unknown as M;
}

/** The first reserved key of a client's metadata object, if any. */
export function reservedMetaKey(meta: unknown): string | undefined {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return undefined;
  return Object.keys(meta).find((k) => RESERVED_META_KEYS.has(k));
}

/**
 * Refuses a request body whose `meta_data` (or a bulk item's) holds a reserved key.
 * @throws DomainError GEN_VALIDATION_ERROR naming the key.
 */
export function refuseReservedMetaKeys(body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const b = body as Record<string, unknown>;
  const check = (meta: unknown, where: string) => {
    const key = reservedMetaKey(meta);
    if (key !== undefined) {
      throw new DomainError(
        'GEN_VALIDATION_ERROR',
        `${where}: key '${key}' is reserved: the engine writes it`,
        { field: where, key },
      );
    }
    refuseBadLineageProvider(meta, where);
  };
  check(b.meta_data, 'meta_data');
  if (Array.isArray(b.transactions)) {
    b.transactions.forEach((item, i) => {
      if (typeof item === 'object' && item !== null)
        check((item as Record<string, unknown>).meta_data, `transactions[${i}].meta_data`);
    });
  }
}
