import { hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { transactionHash } from './hash';

/** Reference §5.14: the link before the first. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Every column of a transaction row that the immutability trigger freezes, as PostgreSQL renders
 * it as text (NUMERIC as stored, booleans `true`/`false`, timestamps UTC RFC3339Nano); null when
 * NULL. The first nine, in this order, are Blnk's chain fields.
 */
export const SEALED_FIELDS = [
  'transaction_id',
  'source',
  'destination',
  'amount',
  'precise_amount',
  'currency',
  'status',
  'reference',
  'created_at',
  'parent_transaction',
  'precision',
  'description',
  'hash',
  'effective_date',
  'scheduled_for',
  'allow_overdraft',
  'overdraft_limit',
  'inflight',
  'atomic',
  'queued_parent',
  'outcome_of',
  'refund_of',
  'settles',
  'batch_id',
  'sequence',
  'rejection_reason',
] as const;
export type SealedField = (typeof SEALED_FIELDS)[number];
export type SealedRow = Record<SealedField, string | null>;

const BLNK_CHAIN_FIELDS = SEALED_FIELDS.slice(0, 9);
/**
 * Bytes of each field's digest (CRC-32): enough to name a changed field, not to prove a field
 * unchanged, which fields_hash (SHA-256) does.
 */
const DIGEST_BYTES = 4;

function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}

/**
 * §5.14: hex SHA-256 of prev_hash | transaction_id | source | destination | amount |
 * precise_amount | currency | status | reference | created_at, NULLs as empty strings.
 */
export function chainHash(prevHash: string, row: SealedRow): string {
  const parts = [prevHash, ...BLNK_CHAIN_FIELDS.map((f) => row[f] ?? '')];
  return sha256(parts.join('|')).toString('hex');
}

/** One field as digest input: its name, then its value or a NUL marking NULL (≠ ''). */
function fieldText(field: SealedField, value: string | null): string {
  return `${field}=${value === null ? '\u0000' : value}\n`;
}

/** SHA-256 over every sealed field: a change to any of them changes it. */
export function fieldsHash(row: SealedRow): string {
  return sha256(SEALED_FIELDS.map((f) => fieldText(f, row[f])).join('')).toString('hex');
}

/** A short digest of each field, in SEALED_FIELDS order, so a change can be named. */
export function fieldDigests(row: SealedRow): Buffer {
  const out = Buffer.allocUnsafe(SEALED_FIELDS.length * DIGEST_BYTES);
  SEALED_FIELDS.forEach((f, i) => out.writeUInt32BE(crc32(fieldText(f, row[f])), i * DIGEST_BYTES));
  return out;
}

/** The fields whose digest no longer matches the one taken at sealing. */
export function changedFields(row: SealedRow, sealed: Buffer): SealedField[] {
  const now = fieldDigests(row);
  return SEALED_FIELDS.filter((_, i) => {
    const at = i * DIGEST_BYTES;
    return !now.subarray(at, at + DIGEST_BYTES).equals(sealed.subarray(at, at + DIGEST_BYTES));
  });
}

/** Whether the row's own hash (§5.14, per row) agrees with its fields. */
export function rowHashHolds(row: SealedRow): boolean {
  return (
    row.amount !== null &&
    transactionHash(
      row.amount,
      row.reference ?? '',
      row.currency ?? '',
      row.source ?? '',
      row.destination ?? '',
    ) === row.hash
  );
}

/** A sealed row as reads show it (chain_seq, chain_hash). */
export interface ChainSeal {
  seq: bigint;
  hash: string;
}

export interface ChainHead {
  seq: bigint;
  hash: string;
}

/** What sealing one row stores. */
export interface ChainLink {
  seq: bigint;
  transactionId: string;
  prevHash: string;
  chainHash: string;
  fieldsHash: string;
  fieldDigests: Buffer;
  rowHashOk: boolean;
}

/** Links `rows` (in the order given) onto `head`; the last link is the new head. */
export function linkRows(head: ChainHead, rows: SealedRow[]): ChainLink[] {
  let prev = head.hash;
  let seq = head.seq;
  return rows.map((row) => {
    seq += 1n;
    const link: ChainLink = {
      seq,
      transactionId: row.transaction_id ?? '',
      prevHash: prev,
      chainHash: chainHash(prev, row),
      fieldsHash: fieldsHash(row),
      fieldDigests: fieldDigests(row),
      rowHashOk: rowHashHolds(row),
    };
    prev = link.chainHash;
    return link;
  });
}

/** A stored link with the transaction row as it is now (null: the row is gone). */
export interface StoredLink extends Omit<ChainLink, 'fieldDigests'> {
  /** Null when not read (verify reads them only for a link it reports). */
  fieldDigests: Buffer | null;
  row: SealedRow | null;
}

/** Why a link does not hold; `fields` names the columns that differ from what was sealed. */
export interface ChainBreak {
  seq: bigint;
  transactionId: string;
  problems: string[];
  fields: SealedField[];
}

/**
 * Checks one stored link against the link before it (`prev`) and the row's current fields.
 * Returns null when it holds. A changed row is named by its fields; a link whose own columns
 * were changed shows as a broken prev link or a chain hash that its fields do not give.
 */
export function checkLink(prev: ChainHead, link: StoredLink): ChainBreak | null {
  const problems: string[] = [];
  let fields: SealedField[] = [];
  if (link.seq !== prev.seq + 1n) problems.push(`seq ${prev.seq + 1n} is missing`);
  if (link.prevHash !== prev.hash)
    problems.push('prev link: prev_hash is not the previous chain_hash');
  if (!link.row) {
    problems.push('the transaction row is missing');
  } else {
    const row = link.row;
    if (link.rowHashOk && !rowHashHolds(row))
      problems.push('row hash: hash does not match the row');
    // The digests are read only to name what changed: fields_hash says whether anything did.
    if (fieldsHash(row) !== link.fieldsHash) {
      fields = link.fieldDigests ? changedFields(row, link.fieldDigests) : [];
      problems.push(
        fields.length ? `changed: ${fields.join(', ')}` : 'changed (fields_hash disagrees)',
      );
    }
    if (chainHash(link.prevHash, row) !== link.chainHash) {
      problems.push('chain_hash does not match the row');
    }
  }
  return problems.length
    ? { seq: link.seq, transactionId: link.transactionId, problems, fields }
    : null;
}
