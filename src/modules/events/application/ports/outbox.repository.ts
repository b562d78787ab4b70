import type { DeliveryStatus, OutboxEvent } from '../../domain/webhook';
import type { DerivedEvent } from './change-reactions';

export interface DeliveryPage {
  items: OutboxEvent[];
}

/** The outbox (table `event_outbox`): written by triggers, delivered and pruned by the relay. */
export abstract class OutboxRepository {
  /**
   * Takes up to `limit` due pending events, oldest first, and leases them until `leaseUntil`, in
   * one statement: no other process takes them while the lease holds (nor after a crash, until
   * it expires).
   */
  abstract claim(limit: number, now: Date, leaseUntil: Date): Promise<OutboxEvent[]>;
  /** Delivered events (each with the receiver's status), recorded in one statement. */
  abstract markDelivered(delivered: { seq: string; status: number }[], at: Date): Promise<void>;
  /** A failed attempt: count it and, unless `failed`, schedule the next at `nextAttemptAt`. */
  abstract markAttemptFailed(
    seq: string,
    error: string,
    status: number | null,
    next: { nextAttemptAt: Date } | { failed: true },
  ): Promise<void>;
  /**
   * An internal event is done: in one database transaction, the events it gave rise to are
   * appended (pending) and it is marked `skipped`, so it is evaluated once whatever dies.
   */
  abstract complete(seq: string, derived: DerivedEvent[]): Promise<void>;
  /** Nothing to deliver to (no webhook URL): the event is kept as `skipped`. */
  abstract markSkipped(seqs: string[]): Promise<void>;
  /** Deletes delivered and skipped events older than `before`; returns how many. */
  abstract prune(before: Date): Promise<number>;
  abstract list(q: {
    status?: DeliveryStatus;
    limit: number;
    offset: number;
  }): Promise<OutboxEvent[]>;
  abstract get(eventId: string): Promise<OutboxEvent | undefined>;
  /** Makes events pending again, due now, attempts reset; returns how many. */
  abstract redeliver(filter: { eventId: string } | { status: 'failed' }): Promise<number>;
}
