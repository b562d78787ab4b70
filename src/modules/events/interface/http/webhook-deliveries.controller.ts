import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors, ApiList, ApiSummary } from '@libs/http/openapi';
import { NoIdempotencyKey } from '@libs/http/idempotency-route';
import { WebhookDeliveries } from '../../application/webhook-deliveries.use-cases';
import { DELIVERY_STATUSES, OutboxEvent } from '../../domain/webhook';
import { invalidDeliveryQuery } from '../../domain/events.errors';

export class WebhookDeliveryView {
  @ApiProperty({ example: 'evt_0f8c9e2a-1111-4222-8333-444455556666' }) event_id!: string;
  @ApiProperty({ example: 'transaction.applied' }) event!: string;
  @ApiProperty({ example: 'transaction' }) entity!: string;
  @ApiProperty() entity_id!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time', description: 'When the next attempt is due (pending).' })
  next_attempt_at!: string;
  @ApiPropertyOptional({ nullable: true, type: 'string' }) last_error!: string | null;
  @ApiPropertyOptional({ nullable: true, type: 'integer' }) last_status!: number | null;
  @ApiPropertyOptional({ nullable: true, type: 'string', format: 'date-time' })
  delivered_at!: string | null;
}

export class RedeliveredView {
  @ApiProperty() redelivered!: number;
}

function present(e: OutboxEvent): WebhookDeliveryView {
  return {
    event_id: e.eventId,
    event: e.event,
    entity: e.entity,
    entity_id: e.entityId,
    status: e.status,
    attempts: e.attempts,
    created_at: e.createdAt.toISOString(),
    next_attempt_at: e.nextAttemptAt.toISOString(),
    last_error: e.lastError,
    last_status: e.lastStatus,
    delivered_at: e.deliveredAt ? e.deliveredAt.toISOString() : null,
  };
}

function integer(name: string, raw?: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw invalidDeliveryQuery(`${name} must be a non-negative integer`);
  return Number(raw);
}

/** The outbox as an operator sees it (issue 13): deliveries and their replay. */
@ApiTags('webhooks')
@Controller('webhook-deliveries')
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveries) {}

  @Get()
  @ApiQuery({ name: 'status', required: false, enum: DELIVERY_STATUSES })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1 to 100, default 20' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiSummary('listWebhookDeliveries', 'List webhook deliveries, newest first')
  @ApiList(WebhookDeliveryView)
  @ApiErrors()
  async list(
    @Query('status') status?: string,
    @Query('limit') limit?: string,
    @Query('offset') offset?: string,
  ): Promise<WebhookDeliveryView[]> {
    const page = await this.deliveries.list({
      status,
      limit: integer('limit', limit),
      offset: integer('offset', offset),
    });
    return page.map(present);
  }

  @Post(':id/redeliver')
  // Makes an event due again: done twice, it is still one event, delivered under its own id.
  @NoIdempotencyKey()
  @HttpCode(200)
  @ApiSummary('redeliverWebhook', 'Deliver an event again (same event id), due now')
  @ApiOkResponse({ type: WebhookDeliveryView })
  @ApiErrors(404)
  async redeliver(@Param('id') id: string): Promise<WebhookDeliveryView> {
    return present(await this.deliveries.redeliver(id));
  }
}
