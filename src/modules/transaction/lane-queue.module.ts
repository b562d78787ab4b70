import { DynamicModule, Module } from '@nestjs/common';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { WorkQueue } from './application/queued/ports/work-queue';
import {
  BullMqSettings,
  BullMqWorkQueue,
  laneQueueName,
  LaneRedis,
  LaneWorkers,
} from './infrastructure/redis/bullmq-work-queue';
import { laneProcessors } from './interface/jobs/lane.processor';

/**
 * How lane signals travel: BullMQ queues on Redis, consumed by `@nestjs/bullmq` lane processors
 * where `consume` is set (worker processes; an API process only signals), or a queue that stays
 * in this process (embedded mode, single host without Redis).
 */
export type LaneTransport =
  { inProcess: WorkQueue } | { redis: BullMqSettings & { consume: boolean } };

@Module({})
class LaneRedisModule {}

/** Provides the `WorkQueue` port, globally, over the configured transport. */
@Module({})
export class LaneQueueModule {
  static with(transport: LaneTransport): DynamicModule {
    if ('inProcess' in transport) {
      return {
        module: LaneQueueModule,
        global: true,
        providers: [{ provide: WorkQueue, useValue: transport.inProcess }],
        exports: [WorkQueue],
      };
    }
    const { dsn, prefix, lanes, consume } = transport.redis;
    const redis: DynamicModule = {
      module: LaneRedisModule,
      providers: [{ provide: LaneRedis, useFactory: () => new LaneRedis(dsn) }],
      exports: [LaneRedis],
    };
    const names = Array.from({ length: lanes }, (_, k) => laneQueueName(k));
    return {
      module: LaneQueueModule,
      global: true,
      imports: [
        redis,
        BullModule.forRootAsync({
          imports: [redis],
          useFactory: (r: LaneRedis) => ({ connection: r.connection, prefix }),
          inject: [LaneRedis],
        }),
        BullModule.registerQueue(...names.map((name) => ({ name }))),
      ],
      providers: [
        LaneWorkers,
        ...(consume ? laneProcessors(lanes) : []),
        {
          provide: WorkQueue,
          useFactory: (workers: LaneWorkers, r: LaneRedis, ...queues: Queue[]) =>
            new BullMqWorkQueue(queues, workers, r.connection),
          inject: [LaneWorkers, LaneRedis, ...names.map((name) => getQueueToken(name))],
        },
      ],
      exports: [WorkQueue],
    };
  }
}
