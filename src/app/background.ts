import { INestApplicationContext, Type } from '@nestjs/common';
import { BackgroundJob } from '@libs/core/background-job';
import { WebhookRelayJob } from '../modules/events/interface/jobs/webhook-relay.job';
import { LaneDrainJob } from '../modules/transaction/interface/jobs/lane-drain.job';
import { QueueSweepJob } from '../modules/transaction/interface/jobs/queue-sweep.job';
import { QueueSettings } from '../modules/transaction/application/queued/queue-settings';
import { InProcessWorkQueue } from '../modules/transaction/infrastructure/memory/in-process-work-queue';
import { LaneTransport } from '../modules/transaction/lane-queue.module';
import { NeracaConfig } from './config/neraca-config';
import { WebhookSettings } from '../modules/events/application/webhook-settings';
import { IdempotencyPruneJob } from '../modules/idempotency/interface/jobs/idempotency-prune.job';
import { ChainSettings } from '../modules/transaction/application/chain/chain-settings';
import { ChainSealerJob } from '../modules/transaction/interface/jobs/chain-sealer.job';
import { BalanceSnapshotJob } from '../modules/balance/interface/jobs/balance-snapshot.job';
import { SearchIndexerJob } from '../modules/search/interface/jobs/search-indexer.job';
import { SearchReindexJob } from '../modules/search/interface/jobs/search-reindex.job';
import { ReconciliationRunJob } from '../modules/reconciliation/interface/jobs/reconciliation-run.job';
import { LineageShadowJob } from '../modules/lineage/interface/jobs/lineage-shadow.job';

/** Webhook delivery from configuration; `secret` is the server secret key (the HMAC key). */
export function webhookSettingsFrom(config: NeracaConfig, secret: string): WebhookSettings {
  return new WebhookSettings(
    config.get<string>('notification.webhook.url'),
    config.get<Record<string, string>>('notification.webhook.headers'),
    secret,
    config.get<number>('notification.webhook.max_attempts'),
    config.get<number>('notification.webhook.timeout'),
    config.get<number>('notification.webhook.first_retry'),
    undefined,
    config.get<number>('notification.webhook.retention'),
  );
}

/** transaction.hash_chain.* (reference §10.2). */
export function chainSettingsFrom(config: NeracaConfig): ChainSettings {
  return new ChainSettings(
    config.get<boolean>('transaction.hash_chain.enabled'),
    config.get<number>('transaction.hash_chain.poll_interval'),
    config.get<number>('transaction.hash_chain.batch_size'),
    config.get<number>('transaction.hash_chain.trailing_delay'),
  );
}

export function queueSettingsFrom(config: NeracaConfig): QueueSettings {
  return new QueueSettings(
    config.get<number>('queue.number_of_queues'),
    Math.min(config.get<number>('transaction.batch_size'), 1000),
    config.get<boolean>('queue.enable_backpressure')
      ? config.get<number>('queue.backpressure_max_pending_tasks')
      : 0,
    config.get<number>('queue.sweep_interval'),
    config.get<boolean>('transaction.enable_queued_checks'),
    config.get<number>('queue.max_retry_attempts'),
    config.get<number>('queue.transaction_worker_concurrency'),
  );
}

/**
 * BullMQ on Redis when `redis.dns` is set, with lane processors where this process consumes
 * (`neraca workers`); otherwise signals stay in this process.
 */
export function laneTransportFrom(config: NeracaConfig, consume: boolean): LaneTransport {
  const dsn = config.get<string>('redis.dns');
  if (!dsn) return { inProcess: new InProcessWorkQueue() };
  return {
    redis: {
      dsn,
      lanes: config.get<number>('queue.number_of_queues'),
      prefix: config.get<string>('queue.prefix'),
      consume,
    },
  };
}

/** Closes an in-process queue; BullMQ's queues and workers close with the application. */
export async function closeLanes(lanes: LaneTransport): Promise<void> {
  if ('inProcess' in lanes) await lanes.inProcess.close();
}

/**
 * Every background job, in the order they start (they stop in reverse): webhook delivery first
 * and last, so what the others commit while stopping is still delivered by the next start.
 */
const JOBS: Type<BackgroundJob>[] = [
  WebhookRelayJob,
  LaneDrainJob,
  QueueSweepJob,
  IdempotencyPruneJob,
  ChainSealerJob,
  BalanceSnapshotJob,
  SearchIndexerJob,
  SearchReindexJob,
  ReconciliationRunJob,
  LineageShadowJob,
];

/**
 * The one place background work starts and stops: every job of `JOBS`. Runs in
 * `neraca workers`, and in the API process when there is no Redis.
 */
export async function startBackgroundWork(
  app: INestApplicationContext,
): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  for (const job of JOBS) stops.push(await app.get(job).start());
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
