import { Injectable, Logger, Type } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import {
  LaneConsumer,
  laneQueueName,
  LaneWorkers,
} from '../../infrastructure/redis/bullmq-work-queue';

/** Jobs of one lane taken at once by one process, only to be coalesced into its one drain loop. */
const LANE_CONCURRENCY = 64;

/**
 * The `@nestjs/bullmq` processor of one lane's queue: each job is a wake-up call for the lane,
 * answered by the lane's drain loop (`LaneWorkers.wake`). Created with `autorun: false`: the
 * lane drain job (the one place background work starts and stops) runs it, in worker processes
 * only.
 */
@Injectable()
export abstract class LaneProcessor extends WorkerHost implements LaneConsumer {
  private readonly logger = new Logger('LaneProcessor');
  abstract readonly lane: number;

  constructor(private readonly workers: LaneWorkers) {
    super();
    workers.add(this);
  }

  /** The lane is the queue's, never the job's data. */
  process(): Promise<void> {
    return this.workers.wake(this.lane);
  }

  @OnWorkerEvent('error')
  onError(e: Error): void {
    this.logger.error(`lane ${this.lane} worker error: ${e.message}`);
  }
}

/**
 * One processor class per lane: a `@Processor` names its queue at declaration, and the number of
 * lanes is configuration (`queue.number_of_queues`), so the classes are declared here, per lane.
 */
export function laneProcessors(count: number): Type<LaneProcessor>[] {
  return Array.from({ length: count }, (_, k) => {
    @Processor(laneQueueName(k), { autorun: false, concurrency: LANE_CONCURRENCY })
    class OneLaneProcessor extends LaneProcessor {
      readonly lane = k;
      // Declared so the class carries its own constructor metadata for injection.
      constructor(workers: LaneWorkers) {
        super(workers);
      }
    }
    Object.defineProperty(OneLaneProcessor, 'name', { value: `Lane${k}Processor` });
    return OneLaneProcessor;
  });
}
