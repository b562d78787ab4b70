/** Error code → HTTP status, reference §6.2. Unknown codes are 500. */
const STATUS: Record<string, number> = {};
function set(status: number, codes: string[]): void {
  for (const c of codes) STATUS[c] = status;
}
set(400, [
  'GEN_MALFORMED_REQUEST',
  'GEN_VALIDATION_ERROR',
  'GEN_MISSING_PARAMETER',
  'GEN_BAD_REQUEST',
  'APIKEY_OWNER_REQUIRED',
  'APIKEY_INVALID',
  'TXN_INSUFFICIENT_FUNDS',
  'TXN_INVALID_AMOUNT',
  'TXN_PRECISION_NOT_INTEGER',
  'TXN_INVALID_DISTRIBUTION',
  'TXN_NOT_INFLIGHT',
  'TXN_COMMIT_AMOUNT_EXCEEDED',
  'TXN_INVALID_STATUS_ACTION',
  'TXN_BULK_EMPTY',
  'TXN_BULK_LIMIT_EXCEEDED',
  'TXN_VALIDATION_ERROR',
  // Neraca's (issue 13): a blocking pre-transaction hook refused the request.
  'TXN_REJECTED_BY_HOOK',
  'BAL_INVALID_TIMESTAMP',
  'BAL_VALIDATION_ERROR',
  'IDT_VALIDATION_ERROR',
  'IDT_FIELD_NOT_TOKENIZABLE',
  'IDT_FIELD_NOT_TOKENIZED',
  'IDT_FIELD_NOT_FOUND',
  'IDT_TOKEN_INVALID',
  'RECON_UPLOAD_FAILED',
  'RECON_UPLOAD_URL_INVALID',
  'RECON_UPLOAD_HOST_NOT_ALLOWED',
  'RECON_RULE_INVALID',
  'RECON_MATCHING_RULES_REQUIRED',
  'RECON_EXTERNAL_TXNS_REQUIRED',
  'META_UNSUPPORTED_ENTITY',
  'META_INVALID_ENTITY_ID',
  'HOOK_INVALID',
  'SRCH_QUERY_INVALID',
  // Neraca's (issue 14): the Idempotency-Key header is empty, too long or not visible ASCII.
  'IDEMPOTENCY_KEY_INVALID',
]);
set(401, [
  'AUTH_MISSING_API_KEY',
  'AUTH_INVALID_API_KEY',
  'AUTH_EXPIRED_API_KEY',
  'AUTH_MISSING_PRINCIPAL',
  'AUTH_METRICS_TOKEN_REQUIRED',
  'AUTH_INVALID_BEARER_TOKEN',
]);
set(403, [
  'AUTH_INSUFFICIENT_PERMISSIONS',
  'AUTH_UNKNOWN_RESOURCE',
  'AUTH_MASTER_KEY_REQUIRED',
  'AUTH_CROSS_OWNER_ACCESS',
  'AUTH_SCOPE_ESCALATION',
  'AUTH_METRICS_DISABLED',
  'IDT_TOKENIZATION_DISABLED',
  // Neraca's own (docs/security.md, "The edge"): a write from a browser on another origin.
  'GEN_ORIGIN_NOT_ALLOWED',
]);
set(404, [
  'GEN_NOT_FOUND',
  'APIKEY_NOT_FOUND',
  'TXN_NOT_FOUND',
  'BAL_NOT_FOUND',
  'BAL_HISTORY_NOT_FOUND',
  'BAL_MONITOR_NOT_FOUND',
  'LGR_NOT_FOUND',
  'ACC_NOT_FOUND',
  'IDT_NOT_FOUND',
  'RECON_NOT_FOUND',
  'RECON_RULE_NOT_FOUND',
  'META_ENTITY_NOT_FOUND',
  'HOOK_NOT_FOUND',
  'SRCH_REINDEX_NOT_STARTED',
]);
set(409, [
  'GEN_CONFLICT',
  'TXN_DUPLICATE_REFERENCE',
  'TXN_ALREADY_COMMITTED',
  'TXN_ALREADY_VOIDED',
  'LGR_DUPLICATE',
  'ACC_DUPLICATE',
  'IDT_FIELD_ALREADY_TOKENIZED',
  'SRCH_REINDEX_IN_PROGRESS',
  // Neraca's (issue 14): the request with this Idempotency-Key is in progress, or was carried
  // out and its answer lost.
  'IDEMPOTENCY_KEY_IN_USE',
  'IDEMPOTENCY_ANSWER_LOST',
]);
// Neraca's (issue 14): an Idempotency-Key used again with a different request.
set(422, ['IDEMPOTENCY_KEY_REUSED']);
set(408, ['GEN_REQUEST_TIMEOUT']);
set(413, ['GEN_PAYLOAD_TOO_LARGE']);
set(415, ['GEN_UNSUPPORTED_MEDIA_TYPE']);
set(423, ['GEN_RESOURCE_LOCKED']);
set(429, ['GEN_RATE_LIMITED']);
set(431, ['GEN_HEADERS_TOO_LARGE']);
set(500, [
  'GEN_INTERNAL',
  'ACC_GENERATION_FAILED',
  'RECON_UPLOAD_PROCESSING_FAILED',
  'RECON_START_FAILED',
  'HOOK_OPERATION_FAILED',
  'SRCH_FAILED',
  'ADMIN_BACKUP_FAILED',
]);
set(503, [
  'QUEUE_BACKPRESSURE',
  // Neraca's (issue 15): Typesense is down or not ready; the same search may work later.
  'SRCH_UNAVAILABLE',
  // Neraca's (issue 17): the database cannot be reached, is shutting down or starting, or no
  // pooled connection came free in time; sent with Retry-After.
  'GEN_SERVICE_UNAVAILABLE',
]);

export function statusOf(code: string): number {
  return STATUS[code] ?? 500;
}
