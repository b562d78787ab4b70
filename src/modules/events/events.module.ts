import { DynamicModule, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { EventPayloads } from './application/ports/event-payloads';
import { OutboxRepository } from './application/ports/outbox.repository';
import { WebhookSender } from './application/ports/webhook-sender';
import { WebhookDeliveries } from './application/webhook-deliveries.use-cases';
import { WebhookRelay } from './application/webhook-relay';
import { WebhookSettings } from './application/webhook-settings';
import { FetchWebhookSender } from './infrastructure/http/fetch-webhook-sender';
import { OutboxPgRepository } from './infrastructure/postgres/outbox.pg-repository';
import { WebhookDeliveriesController } from './interface/http/webhook-deliveries.controller';
import { WebhookRelayJob } from './interface/jobs/webhook-relay.job';

export interface EventsDependencies {
  settings: WebhookSettings;
  /** How each entity's snapshot becomes its API shape (the composition root knows every module). */
  payloads: EventPayloads;
  /** The `ChangeReactions` provider (monitors), and the modules it needs. */
  reactions: Provider;
  imports?: ModuleMetadata['imports'];
}

/** The outbox relay and webhook delivery, without HTTP routes (workers run this). */
@Module({})
export class EventsCoreModule {
  static with(deps: EventsDependencies): DynamicModule {
    return {
      module: EventsCoreModule,
      imports: deps.imports ?? [],
      providers: [
        deps.reactions,
        { provide: WebhookSettings, useValue: deps.settings },
        { provide: EventPayloads, useValue: deps.payloads },
        { provide: OutboxRepository, useClass: OutboxPgRepository },
        { provide: WebhookSender, useClass: FetchWebhookSender },
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
