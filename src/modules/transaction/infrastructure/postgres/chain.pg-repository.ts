import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '@libs/core/unit-of-work';
import { sql } from '@libs/persistence/tx';
import {
  ChainHead,
  ChainLink,
  ChainSeal,
  SEALED_FIELDS,
  SealedField,
  SealedRow,
  StoredLink,
} from '../../domain/chain';
import { ChainRepository } from '../../application/ports/chain.repository';

const TIMESTAMPS = new Set<SealedField>(['created_at', 'effective_date', 'scheduled_for']);

/**
 * A frozen column as text, the same on every read: UTC RFC3339Nano for timestamps (Go trims the
 * fraction's trailing zeros; PostgreSQL keeps microseconds), `::text` for the rest (NUMERIC as
 * stored, booleans `true`/`false`). Aliased `f_<name>` (some names are SQL key words).
 */
function fieldExpr(f: SealedField): string {
  const col = `t.${f === 'precision' ? '"precision"' : f}`;
  const text = TIMESTAMPS.has(f)
    ? `rtrim(rtrim(to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '0'), '.') || 'Z'`
    : `${col}::text`;
  return `${text} AS f_${f}`;
}

const FIELDS_SQL = SEALED_FIELDS.map(fieldExpr).join(',\n  ');

const NOT_SEALED = `NOT EXISTS (SELECT 1 FROM transaction_chain c WHERE c.transaction_id = t.transaction_id)`;

type FieldColumns = Record<`f_${SealedField}`, string | null>;

function toSealedRow(r: FieldColumns): SealedRow {
  return Object.fromEntries(SEALED_FIELDS.map((f) => [f, r[`f_${f}`]])) as SealedRow;
}

interface LinkRow extends FieldColumns {
  seq: string;
  transaction_id: string;
  prev_hash: string;
  chain_hash: string;
  fields_hash: string;
  field_digests: Buffer | null;
  row_hash_ok: boolean;
  /** The row's id when it still exists (LEFT JOIN). */
  row_id: string | null;
}

@Injectable()
export class ChainPgRepository extends ChainRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async lockHead(tx: Tx): Promise<ChainHead | null> {
    const rows: { last_seq: string; head_hash: string }[] = await sql(tx).query(
      `SELECT last_seq::text, head_hash FROM chain_state WHERE chain_key = 'global'
       FOR UPDATE SKIP LOCKED`,
    );
    return rows.length ? { seq: BigInt(rows[0].last_seq), hash: rows[0].head_hash } : null;
  }

  async unsealed(tx: Tx, limit: number, olderThanMs: number): Promise<SealedRow[]> {
    // The pending ids' primary key gives id order without sorting the backlog. A pending id of
    // a row already sealed (written there by hand) is passed over: sealing it again would fail
    // every round from then on, and no row after it would ever be sealed.
    const rows: FieldColumns[] = await sql(tx).query(
      `SELECT ${FIELDS_SQL}
       FROM transaction_chain_pending p JOIN transactions t ON t.id = p.id
       WHERE ${NOT_SEALED}
         AND ($2::int = 0 OR t.created_at <= now() - make_interval(secs => $2::int / 1000.0))
       ORDER BY p.id LIMIT $1`,
      [limit, Math.round(olderThanMs)],
    );
    return rows.map(toSealedRow);
  }

  async append(tx: Tx, links: ChainLink[]): Promise<void> {
    if (!links.length) return;
    const m = sql(tx);
    await m.query(
      `INSERT INTO transaction_chain
         (seq, transaction_id, prev_hash, chain_hash, fields_hash, field_digests, row_hash_ok)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                            $6::bytea[], $7::boolean[])`,
      [
        links.map((l) => l.seq.toString()),
        links.map((l) => l.transactionId),
        links.map((l) => l.prevHash),
        links.map((l) => l.chainHash),
        links.map((l) => l.fieldsHash),
        links.map((l) => l.fieldDigests),
        links.map((l) => l.rowHashOk),
      ],
    );
    await m.query(
      `DELETE FROM transaction_chain_pending p USING transactions t
       WHERE t.id = p.id AND t.transaction_id = ANY($1::text[])`,
      [links.map((l) => l.transactionId)],
    );
    const last = links[links.length - 1];
    await m.query(
      `UPDATE chain_state SET last_seq = $1, head_hash = $2, updated_at = now()
       WHERE chain_key = 'global'`,
      [last.seq.toString(), last.chainHash],
    );
  }

  async head(): Promise<ChainHead> {
    const rows: { last_seq: string; head_hash: string }[] = await this.db.query(
      `SELECT last_seq::text, head_hash FROM chain_state WHERE chain_key = 'global'`,
    );
    if (!rows.length)
      throw new Error('chain_state has no global row: the database is not migrated');
    return { seq: BigInt(rows[0].last_seq), hash: rows[0].head_hash };
  }

  async backlog(): Promise<number> {
    const [r]: { n: string }[] = await this.db.query(
      `SELECT count(*)::text AS n
         FROM transaction_chain_pending p JOIN transactions t ON t.id = p.id WHERE ${NOT_SEALED}`,
    );
    return Number(r.n);
  }

  async links(afterSeq: bigint, limit: number, withDigests = false): Promise<StoredLink[]> {
    const rows: LinkRow[] = await this.db.query(
      `SELECT c.seq::text, c.transaction_id, c.prev_hash, c.chain_hash, c.fields_hash,
              ${withDigests ? 'c.field_digests' : 'NULL::bytea AS field_digests'}, c.row_hash_ok, t.id::text AS row_id,
              ${FIELDS_SQL}
       FROM transaction_chain c LEFT JOIN transactions t ON t.transaction_id = c.transaction_id
       WHERE c.seq > $1::bigint ORDER BY c.seq LIMIT $2`,
      [afterSeq.toString(), limit],
    );
    return rows.map((r) => ({
      seq: BigInt(r.seq),
      transactionId: r.transaction_id,
      prevHash: r.prev_hash,
      chainHash: r.chain_hash,
      fieldsHash: r.fields_hash,
      fieldDigests: r.field_digests,
      rowHashOk: r.row_hash_ok,
      row: r.row_id === null ? null : toSealedRow(r),
    }));
  }

  async unaccounted(): Promise<{ count: number; first: string | null }> {
    const [r]: { n: string; first: string | null }[] = await this.db.query(
      `SELECT count(*)::text AS n, (array_agg(t.transaction_id ORDER BY t.id))[1] AS first
       FROM transactions t
       WHERE NOT EXISTS (SELECT 1 FROM transaction_chain c WHERE c.transaction_id = t.transaction_id)
         AND NOT EXISTS (SELECT 1 FROM transaction_chain_pending p WHERE p.id = t.id)`,
    );
    return { count: Number(r.n), first: r.first };
  }

  async sealsOf(ids: string[]): Promise<Map<string, ChainSeal>> {
    if (!ids.length) return new Map();
    const rows: { transaction_id: string; seq: string; chain_hash: string }[] = await this.db.query(
      `SELECT transaction_id, seq::text, chain_hash FROM transaction_chain
         WHERE transaction_id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.transaction_id, { seq: BigInt(r.seq), hash: r.chain_hash }]));
  }
}
