import { INestApplicationContext, Logger } from '@nestjs/common';
import { DrainLaneUseCase } from '../modules/transaction/application/queued/drain-lane.use-case';
import { WorkQueue } from '../modules/transaction/application/queued/ports/work-queue';
import { QueueRecoveryUseCase } from '../modules/transaction/application/queued/queue-recovery.use-case';
import { QueueSettings } from '../modules/transaction/application/queued/queue-settings';
import { InProcessWorkQueue } from '../modules/transaction/infrastructure/memory/in-process-work-queue';
import { BullMqWorkQueue } from '../modules/transaction/infrastructure/redis/bullmq-work-queue';
import { NeracaConfig } from './config/neraca-config';
import { ErrorNotifier } from '../modules/notification/application/ports/error-notifier';
import { WebhookRelay } from '../modules/events/application/webhook-relay';
import { WebhookSettings } from '../modules/events/application/webhook-settings';

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
  );
}

/** BullMQ on Redis when `redis.dns` is set; otherwise signals stay in this process. */
export function createWorkQueue(config: NeracaConfig): WorkQueue {
  const dsn = config.get<string>('redis.dns');
  if (!dsn) return new InProcessWorkQueue();
  return new BullMqWorkQueue({
    dsn,
    lanes: config.get<number>('queue.number_of_queues'),
    prefix: config.get<string>('queue.prefix'),
  });
}

/**
 * The outbox relay: delivers due events, at once again while it finds some, else after
 * `pollMs`; prunes delivered ones hourly. A failed round is logged and retried on the next.
 */
function startRelay(app: INestApplicationContext, logger: Logger): () => Promise<void> {
  const relay = app.get(WebhookRelay);
  const settings = app.get(WebhookSettings);
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    let lastPrune = 0;
    while (!stopped) {
      let found = 0;
      try {
        found = await relay.deliverDue();
        if (Date.now() - lastPrune > 3_600_000) {
          lastPrune = Date.now();
          await relay.prune();
        }
      } catch (e) {
        logger.warn(`webhook relay round failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (found || stopped) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, settings.pollMs).unref();
      });
    }
  })();
  return async () => {
    stopped = true;
    wake?.();
    await loop;
  };
}

/**
 * The background side: consume lane signals by draining lanes, sweep for due work the signals
 * missed, and deliver the outbox. Runs in `neraca workers`, and in the API process when there is
 * no Redis.
 */
export async function startBackgroundWork(
  app: INestApplicationContext,
): Promise<() => Promise<void>> {
  const logger = new Logger('Workers');
  const queue = app.get(WorkQueue);
  const drain = app.get(DrainLaneUseCase);
  const recovery = app.get(QueueRecoveryUseCase);
  const settings = app.get(QueueSettings);
  const notifier = app.get(ErrorNotifier);
  const stopConsuming = await queue.consume(async (lane) => {
    try {
      await drain.execute(lane);
    } catch (e) {
      notifier.notify(e, `draining lane ${lane} failed`);
      throw e; // the queue logs it and the work is tried again, as before
    }
  });
  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      await recovery.sweep();
    } catch (e) {
      logger.warn(`sweep failed: ${e instanceof Error ? e.message : String(e)}`);
      notifier.notify(e, 'sweep failed');
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), settings.sweepIntervalMs);
  timer.unref();
  void sweep();
  const stopRelay = startRelay(app, logger);
  return async () => {
    clearInterval(timer);
    await stopConsuming();
    await stopRelay();
  };
}
