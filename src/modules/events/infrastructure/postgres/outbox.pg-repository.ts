import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OutboxRepository } from '../../application/ports/outbox.repository';
import { stringifyJson } from '@libs/core/json';
import type { DerivedEvent } from '../../application/ports/change-reactions';
import type { DeliveryStatus, OutboxEvent } from '../../domain/webhook';

interface OutboxRow {
  seq: string;
  event_id: string;
  event: string;
  entity: string;
  entity_id: string;
  snapshot: Record<string, unknown>;
  created_at: Date;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  last_status: number | null;
  delivered_at: Date | null;
}

/** Why a skipped event was not sent (and a mark that it was handled once). */
const NO_URL = 'no webhook URL configured';

const COLUMNS = `seq, event_id, event, entity, entity_id, snapshot, created_at, status, attempts,
  next_attempt_at, last_error, last_status, delivered_at`;

function toEvent(r: OutboxRow): OutboxEvent {
  return {
    seq: String(r.seq),
    eventId: r.event_id,
    event: r.event,
    entity: r.entity,
    entityId: r.entity_id,
    snapshot: r.snapshot,
    createdAt: new Date(r.created_at),
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: new Date(r.next_attempt_at),
    lastError: r.last_error,
    lastStatus: r.last_status,
    deliveredAt: r.delivered_at ? new Date(r.delivered_at) : null,
  };
}

/**
 * Each call is one statement in autocommit: no database transaction spans a delivery. Writes that
 * return rows are wrapped in `WITH … SELECT` so the driver hands back the rows themselves.
 */
@Injectable()
export class OutboxPgRepository extends OutboxRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async claim(limit: number, now: Date, leaseUntil: Date): Promise<OutboxEvent[]> {
    const rows: OutboxRow[] = await this.db.query(
      `WITH u AS (
         UPDATE event_outbox SET lease_until = $3
         WHERE seq IN (
           SELECT seq FROM event_outbox
           WHERE status = 'pending' AND next_attempt_at <= $2
             AND (lease_until IS NULL OR lease_until < $2)
           ORDER BY next_attempt_at, seq LIMIT $1
           FOR UPDATE SKIP LOCKED)
         RETURNING ${COLUMNS})
       SELECT ${COLUMNS} FROM u ORDER BY seq`,
      [limit, now, leaseUntil],
    );
    return rows.map(toEvent);
  }

  async markDelivered(delivered: { seq: string; status: number }[], at: Date): Promise<void> {
    if (!delivered.length) return;
    await this.db.query(
      `UPDATE event_outbox o SET status = 'delivered', attempts = o.attempts + 1,
         last_status = d.status, delivered_at = $3, lease_until = NULL, last_error = NULL
       FROM unnest($1::bigint[], $2::int[]) AS d(seq, status)
       WHERE o.seq = d.seq`,
      [delivered.map((d) => d.seq), delivered.map((d) => d.status), at],
    );
  }

  async markAttemptFailed(
    seq: string,
    error: string,
    status: number | null,
    next: { nextAttemptAt: Date } | { failed: true },
  ): Promise<void> {
    const failed = 'failed' in next;
    await this.db.query(
      `UPDATE event_outbox SET attempts = attempts + 1, last_error = $2, last_status = $3,
         lease_until = NULL,
         status = CASE WHEN $4 THEN 'failed' ELSE status END,
         next_attempt_at = COALESCE($5, next_attempt_at)
       WHERE seq = $1`,
      [seq, error.slice(0, 2000), status, failed, failed ? null : next.nextAttemptAt],
    );
  }

  async complete(seq: string, derived: DerivedEvent[]): Promise<void> {
    await this.db.transaction(async (m) => {
      // Only if still pending: a second evaluation after a lease expired adds nothing.
      const done: unknown[] = await m.query(
        `WITH u AS (UPDATE event_outbox SET status = 'skipped', lease_until = NULL
           WHERE seq = $1 AND status = 'pending' RETURNING seq) SELECT seq FROM u`,
        [seq],
      );
      if (!done.length || !derived.length) return;
      await m.query(
        `INSERT INTO event_outbox (event, entity, entity_id, snapshot)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])`,
        [
          derived.map((d) => d.event),
          derived.map((d) => d.entity),
          derived.map((d) => d.entityId),
          derived.map((d) => stringifyJson(d.data)),
        ],
      );
    });
  }

  async markSkipped(seqs: string[]): Promise<void> {
    await this.db.query(
      `UPDATE event_outbox SET status = 'skipped', lease_until = NULL, last_error = '${NO_URL}'
       WHERE seq = ANY($1::bigint[])`,
      [seqs],
    );
  }

  async prune(before: Date): Promise<number> {
    const rows: unknown[] = await this.db.query(
      `WITH d AS (DELETE FROM event_outbox
         WHERE status IN ('delivered', 'skipped') AND created_at < $1 RETURNING seq)
       SELECT seq FROM d`,
      [before],
    );
    return rows.length;
  }

  async list(q: {
    status?: DeliveryStatus;
    limit: number;
    offset: number;
  }): Promise<OutboxEvent[]> {
    const rows: OutboxRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM event_outbox
       WHERE ($1::text IS NULL OR status = $1)
       ORDER BY seq DESC LIMIT $2 OFFSET $3`,
      [q.status ?? null, q.limit, q.offset],
    );
    return rows.map(toEvent);
  }

  async get(eventId: string): Promise<OutboxEvent | undefined> {
    const rows: OutboxRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM event_outbox WHERE event_id = $1`,
      [eventId],
    );
    return rows.length ? toEvent(rows[0]) : undefined;
  }

  async redeliver(filter: { eventId: string } | { status: 'failed' }): Promise<number> {
    const byId = 'eventId' in filter;
    const rows: unknown[] = await this.db.query(
      `WITH u AS (UPDATE event_outbox SET status = 'pending', attempts = 0,
         next_attempt_at = now(), lease_until = NULL
         WHERE ${byId ? 'event_id = $1' : "status = 'failed'"} RETURNING seq)
       SELECT seq FROM u`,
      byId ? [filter.eventId] : [],
    );
    return rows.length;
  }
}
