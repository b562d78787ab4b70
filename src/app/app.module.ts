import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { Clock, SystemClock } from '@libs/core/clock';
import { IdGenerator, RandomIdGenerator } from '@libs/core/ids';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { ErrorEnvelopeFilter } from '@libs/http/error.filter';
import { TypeOrmUnitOfWork } from '@libs/persistence/typeorm-unit-of-work';
import { AuthSettings } from '../modules/auth/auth-settings';
import { AccountModule } from '../modules/account/account.module';
import { BackupDependencies, BackupModule } from '../modules/backup/backup.module';
import { BackupSettings } from '../modules/backup/application/backup-settings';
import { AuthModule } from '../modules/auth/auth.module';
import { BalanceModule } from '../modules/balance/balance.module';
import { IdentityModule, TokenizationKeysModule } from '../modules/identity/identity.module';
import type { TokenKeyProvider } from '../modules/identity/application/ports/token-keys';
import { HookCoreModule, HookModule } from '../modules/hook/hook.module';
import { HookCallerService } from '../modules/hook/application/hook-caller.service';
import { LedgerModule } from '../modules/ledger/ledger.module';
import { IdempotencyModule } from '../modules/idempotency/idempotency.module';
import { IdempotencySettings } from '../modules/idempotency/application/idempotency-settings';
import { LineageCoreModule, LineageModule } from '../modules/lineage/lineage.module';
import { MetadataModule } from '../modules/metadata/metadata.module';
import { MonitorCoreModule, MonitorModule } from '../modules/monitor/monitor.module';
import { SlackSettings } from '../modules/notification/application/slack-settings';
import { NotificationModule } from '../modules/notification/notification.module';
import { SystemCoreModule, SystemModule } from '../modules/system/system.module';
import { SearchCoreModule, SearchModule } from '../modules/search/search.module';
import { SearchSettings } from '../modules/search/application/search-settings';
import {
  ReconciliationCoreModule,
  ReconciliationModule,
} from '../modules/reconciliation/reconciliation.module';
import { ReconciliationSettings } from '../modules/reconciliation/application/reconciliation-settings';
import {
  TransactionCoreModule,
  TransactionModule,
} from '../modules/transaction/transaction.module';
import { QueuedAmountsModule } from '../modules/transaction/queued-amounts.module';
import { LaneQueueModule, LaneTransport } from '../modules/transaction/lane-queue.module';
import { QueueSettings } from '../modules/transaction/application/queued/queue-settings';
import { ChainSettings } from '../modules/transaction/application/chain/chain-settings';
import { SnapshotSchedule } from '../modules/balance/application/snapshot-schedule';
import { WebhookSettings } from '../modules/events/application/webhook-settings';
import { EventsCoreModule, EventsModule } from '../modules/events/events.module';
import { ModulePayloads } from './event-payloads';
import { TransactionHooksModule } from './transaction-hooks';
import { HookSigningKey } from '../modules/hook/hook-settings';
import { OutboxReactions } from './change-reactions';
import { ChangeReactions } from '../modules/events/application/ports/change-reactions';
import { MonitorEvaluator } from '../modules/monitor/application/monitor-evaluator.service';

export interface AppDependencies {
  dataSource: DataSource;
  auth: AuthSettings;
  /** Where lane signals travel (BullMQ on Redis, or in this process). */
  lanes: LaneTransport;
  queueSettings: QueueSettings;
  /** Tokenization keys; absent = tokenization disabled (403 IDT_TOKENIZATION_DISABLED). */
  tokenKeys?: TokenKeyProvider;
  /** Slack error notices (`notification.slack.*`); absent = none. */
  slack?: SlackSettings;
  /** Webhook delivery; absent = no webhook URL (events are kept as skipped). */
  webhooks?: WebhookSettings;
  /** Idempotency-Key retention (idempotency.*); absent = the defaults. */
  idempotency?: IdempotencySettings;
  /** The daily balance snapshot run (balance_snapshots.*); absent = not scheduled. */
  snapshots?: SnapshotSchedule;
  /** The hash-chain sealer (transaction.hash_chain.*); absent = the defaults. */
  chain?: ChainSettings;
  /** typesense.dns / type_sense_key; absent = search answered by PostgreSQL. */
  search?: SearchSettings;
  /** Uploads and runs (server.max_upload_size_mb, upload_whitelist, reconciliation.*). */
  reconciliation?: ReconciliationSettings;
  /** backup_dir, s3_*, and the embedded PGlite to dump; absent = .neraca/backups, PostgreSQL. */
  backups?: BackupDependencies;
}

/** What a worker process needs: no HTTP, no authentication. */
export type WorkerDependencies = Pick<
  AppDependencies,
  | 'dataSource'
  | 'lanes'
  | 'queueSettings'
  | 'webhooks'
  | 'chain'
  | 'idempotency'
  | 'snapshots'
  | 'search'
  | 'reconciliation'
>;

/** The outbox relay's dependencies, the same in API and worker processes. */
function events(deps: WorkerDependencies) {
  return {
    settings: deps.webhooks ?? new WebhookSettings(),
    payloads: new ModulePayloads(deps.dataSource),
    // Where lanes are consumed from Redis, the relay is a BullMQ processor too.
    relayQueue: 'redis' in deps.lanes && deps.lanes.redis.consume,
    // Balance changes are evaluated against the monitors (the same cache as their CRUD),
    // and committed outcomes run POST_TRANSACTION hooks (the same hook cache as their CRUD).
    imports: [MonitorCoreModule, HookCoreModule],
    reactions: {
      provide: ChangeReactions,
      useFactory: (m: MonitorEvaluator, hooks: HookCallerService) => new OutboxReactions(m, hooks),
      inject: [MonitorEvaluator, HookCallerService],
    },
  };
}

/** Shared kernel bindings every module may inject: the database, the unit of work, ids, time. */
@Global()
@Module({})
class KernelModule {
  static with(
    deps: WorkerDependencies & { auth?: AuthSettings; slack?: SlackSettings },
  ): DynamicModule {
    const auth = deps.auth ? [{ provide: AuthSettings, useValue: deps.auth }] : [];
    // A worker has no AuthSettings: its hook calls are signed with the key its webhooks use.
    const signing =
      !deps.auth && deps.webhooks?.secret
        ? [{ provide: HookSigningKey, useValue: new HookSigningKey(deps.webhooks.secret) }]
        : [];
    return {
      module: KernelModule,
      // The error notifier is global too: modules and the background work report to it.
      imports: [
        NotificationModule.with(deps.slack, { systemErrorEvents: !!deps.webhooks?.url }),
        LaneQueueModule.with(deps.lanes),
      ],
      providers: [
        ...auth,
        ...signing,
        { provide: DataSource, useValue: deps.dataSource },
        { provide: QueueSettings, useValue: deps.queueSettings },
        { provide: ChainSettings, useValue: deps.chain ?? new ChainSettings() },
        { provide: SnapshotSchedule, useValue: deps.snapshots ?? new SnapshotSchedule() },
        { provide: UnitOfWork, useClass: TypeOrmUnitOfWork },
        { provide: IdGenerator, useClass: RandomIdGenerator },
        { provide: Clock, useClass: SystemClock },
      ],
      exports: [
        ...(deps.auth ? [AuthSettings] : []),
        ...(signing.length ? [HookSigningKey] : []),
        DataSource,
        QueueSettings,
        ChainSettings,
        SnapshotSchedule,
        UnitOfWork,
        IdGenerator,
        Clock,
      ],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(deps: AppDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [
        KernelModule.with(deps),
        QueuedAmountsModule,
        TransactionHooksModule,
        SystemModule,
        LedgerModule,
        BalanceModule,
        MonitorModule,
        TransactionModule,
        LineageModule,
        MetadataModule,
        TokenizationKeysModule.with(deps.tokenKeys),
        IdentityModule,
        AccountModule,
        BackupModule.with(deps.backups ?? { settings: new BackupSettings('.neraca/backups') }),
        AuthModule,
        HookModule,
        SearchModule.with(deps.search),
        ReconciliationModule.with(deps.reconciliation),
        EventsModule.with(events(deps)),
        IdempotencyModule.with(deps.idempotency),
      ],
      providers: [{ provide: APP_FILTER, useClass: ErrorEnvelopeFilter }],
    };
  }
}

/**
 * `neraca workers`: the queued engine alone. No controllers, no HTTP, no authentication: only
 * what draining lanes needs.
 */
@Module({})
export class WorkerModule {
  static forRoot(deps: WorkerDependencies & Pick<AppDependencies, 'slack'>): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        KernelModule.with(deps),
        // Its metrics registry and the ledger's counters (the worker's metrics listener).
        SystemCoreModule,
        QueuedAmountsModule,
        TransactionHooksModule,
        TransactionCoreModule,
        LineageCoreModule,
        EventsCoreModule.with(events(deps)),
        IdempotencyModule.with(deps.idempotency),
        SearchCoreModule.with(deps.search),
        ReconciliationCoreModule.with(deps.reconciliation),
      ],
    };
  }
}
