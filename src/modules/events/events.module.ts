import { DynamicModule, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { EventPayloads } from './application/ports/event-payloads';
import { OutboxRepository } from './application/ports/outbox.repository';
import { WebhookSender } from './application/ports/webhook-sender';
import { WebhookDeliveries } from './application/webhook-deliveries.use-cases';
import { WebhookRelay } from './application/webhook-relay';
import { WebhookSettings } from './application/webhook-settings';
import { HttpWebhookSender } from './infrastructure/http/http-webhook-sender';
import { OutboxPgRepository } from './infrastructure/postgres/outbox.pg-repository';
import { WebhookDeliveriesController } from './interface/http/webhook-deliveries.controller';
import { WebhookRelayJob } from './interface/jobs/webhook-relay.job';
import { RELAY_QUEUE, WebhookRelayProcessor } from './interface/jobs/webhook-relay.processor';
import { WebhookRelayRounds } from './interface/jobs/webhook-relay.rounds';

export interface EventsDependencies {
  settings: WebhookSettings;
  /** How each entity's snapshot becomes its API shape (the composition root knows every module). */
  payloads: EventPayloads;
  /** The `ChangeReactions` provider (monitors), and the modules it needs. */
  reactions: Provider;
  imports?: ModuleMetadata['imports'];
  /**
   * The relay runs as a BullMQ processor (worker processes with Redis; the BullMQ root is the
   * lane queues' `LaneQueueModule`); absent = a polling loop.
   */
  relayQueue?: boolean;
}

/** The outbox relay and webhook delivery, without HTTP routes (workers run this). */
@Module({})
export class EventsCoreModule {
  static with(deps: EventsDependencies): DynamicModule {
    return {
      module: EventsCoreModule,
      imports: [
        ...(deps.imports ?? []),
        ...(deps.relayQueue ? [BullModule.registerQueue({ name: RELAY_QUEUE })] : []),
      ],
      providers: [
        ...(deps.relayQueue ? [WebhookRelayProcessor] : []),
        WebhookRelayRounds,
        deps.reactions,
        { provide: WebhookSettings, useValue: deps.settings },
        { provide: EventPayloads, useValue: deps.payloads },
        { provide: OutboxRepository, useClass: OutboxPgRepository },
        { provide: WebhookSender, useClass: HttpWebhookSender },
        WebhookRelay,
        WebhookRelayJob,
        WebhookDeliveries,
      ],
      exports: [WebhookRelay, WebhookRelayJob, WebhookDeliveries, WebhookSettings],
    };
  }
}

@Module({})
export class EventsModule {
  static with(deps: EventsDependencies): DynamicModule {
    return {
      module: EventsModule,
      imports: [EventsCoreModule.with(deps)],
      controllers: [WebhookDeliveriesController],
    };
  }
}
