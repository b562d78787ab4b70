import { DomainError } from '@libs/core/domain-error';

export const ruleInvalid = (message: string, details?: unknown) =>
  new DomainError('RECON_RULE_INVALID', message, details);

export const ruleNotFound = (id: string) =>
  new DomainError('RECON_RULE_NOT_FOUND', `matching rule '${id}' not found`);

export const reconciliationNotFound = (id: string) =>
  new DomainError('RECON_NOT_FOUND', `reconciliation '${id}' not found`);

export const uploadNotFound = (id: string) =>
  new DomainError('GEN_NOT_FOUND', `upload '${id}' not found`);

export const rulesRequired = () =>
  new DomainError('RECON_MATCHING_RULES_REQUIRED', 'at least one matching rule is required');

export const externalRequired = () =>
  new DomainError('RECON_EXTERNAL_TXNS_REQUIRED', 'external_transactions is required');

/** A whole file refused: `details.errors` names the first rows and columns at fault. */
export const uploadRefused = (message: string, errors: RowError[]) =>
  new DomainError('RECON_UPLOAD_FAILED', message, { errors });

export const uploadFailed = () => new DomainError('RECON_UPLOAD_FAILED', 'File upload failed');

/** A multipart body that cannot be read as a form (no boundary, a bad part header, cut short). */
export const uploadMalformed = (why: string) =>
  new DomainError('RECON_UPLOAD_FAILED', 'File upload failed', {
    reason: `the multipart body is malformed: ${why}`,
  });

export const uploadUrlInvalid = (why: string) =>
  new DomainError('RECON_UPLOAD_URL_INVALID', `invalid upload URL: ${why}`);

export const uploadHostNotAllowed = (host: string) =>
  new DomainError('RECON_UPLOAD_HOST_NOT_ALLOWED', `host '${host}' is not in the upload whitelist`);

export const uploadProcessingFailed = (why: string) =>
  new DomainError('RECON_UPLOAD_PROCESSING_FAILED', 'Failed to process upload', { reason: why });

export const uploadTooLarge = (limitMb: number) =>
  new DomainError('GEN_PAYLOAD_TOO_LARGE', `the upload is larger than ${limitMb} MiB`);

/** One fault of an uploaded statement: 1-based data row (0 = the header), column, message. */
export interface RowError {
  row: number;
  column?: string;
  id?: string;
  message: string;
}

/** Faults an instant reconciliation's refusal reports. */
export const MAX_REPORTED_FAULTS_INSTANT = 10;
