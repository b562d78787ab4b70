import { Injectable } from '@nestjs/common';
import { DELIVERY_STATUSES, DeliveryStatus, OutboxEvent } from '../domain/webhook';
import { deliveryNotFound, invalidDeliveryQuery } from '../domain/events.errors';
import { OutboxRepository } from './ports/outbox.repository';

export const DELIVERIES_MAX_LIMIT = 100;

/** What an operator sees of the outbox, and replays (GET /webhook-deliveries, redeliver). */
@Injectable()
export class WebhookDeliveries {
  constructor(private readonly outbox: OutboxRepository) {}

  /** @throws DomainError GEN_VALIDATION_ERROR for an unknown status or a bad page. */
  list(q: { status?: string; limit?: number; offset?: number }): Promise<OutboxEvent[]> {
    if (q.status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(q.status)) {
      throw invalidDeliveryQuery(`status must be one of ${DELIVERY_STATUSES.join(', ')}`);
    }
    const limit = q.limit ?? 20;
    const offset = q.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > DELIVERIES_MAX_LIMIT) {
      throw invalidDeliveryQuery(`limit must be an integer from 1 to ${DELIVERIES_MAX_LIMIT}`);
    }
    if (!Number.isInteger(offset) || offset < 0) {
      throw invalidDeliveryQuery('offset must be a non-negative integer');
    }
    return this.outbox.list({ status: q.status as DeliveryStatus | undefined, limit, offset });
  }

  /** Due again now, attempts reset. @throws DomainError GEN_NOT_FOUND. */
  async redeliver(eventId: string): Promise<OutboxEvent> {
    if ((await this.outbox.redeliver({ eventId })) === 0) throw deliveryNotFound(eventId);
    return (await this.outbox.get(eventId))!;
  }

  /** Every failed delivery due again now; returns how many. */
  redeliverFailed(): Promise<number> {
    return this.outbox.redeliver({ status: 'failed' });
  }
}
