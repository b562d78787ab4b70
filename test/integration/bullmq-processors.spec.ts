import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { WorkQueue } from '../../src/modules/transaction/application/queued/ports/work-queue';
import { LaneQueueModule } from '../../src/modules/transaction/lane-queue.module';
import { LaneProcessor } from '../../src/modules/transaction/interface/jobs/lane.processor';
import { DiscoveryService } from '@nestjs/core';
import { deleteKeys, startTestApp } from '../support/app';
import { startReceiver } from '../support/webhook-receiver';
import { WebhookSettings } from '../../src/modules/events/application/webhook-settings';
import {
  RELAY_QUEUE,
  WebhookRelayProcessor,
} from '../../src/modules/events/interface/jobs/webhook-relay.processor';
import { waitFor } from '../support/wait';

const REDIS = process.env.BLNK_REDIS_DNS;

async function lanesContext(consume: boolean, lanes = 3) {
  const prefix = `lanes-${randomBytes(4).toString('hex')}`;
  const ctx = await NestFactory.createApplicationContext(
    LaneQueueModule.with({ redis: { dsn: REDIS!, lanes, prefix, consume } }),
    { logger: false },
  );
  const processors = ctx
    .get(DiscoveryService)
    .getProviders()
    .map((w) => w.instance as unknown)
    .filter((i): i is LaneProcessor => i instanceof LaneProcessor);
  return {
    ctx,
    queue: ctx.get(WorkQueue),
    processors,
    async close() {
      await ctx.close();
      await deleteKeys(REDIS!, prefix);
    },
  };
}

/**
 * Issue 13: with Redis, the lanes and the outbox relay are `@nestjs/bullmq` processors, only in
 * processes that consume; a job drains the lane of the queue it came from, and the relay's
 * rounds are ticks of one job scheduler shared by every worker process.
 */
// Redis only (CI's PostgreSQL + Redis pass): without it there are no BullMQ lanes to test.
if (REDIS) {
  describe('lane processors (BullMQ)', () => {
    it('a consuming process has one processor per lane, each on its lane queue', async () => {
      const l = await lanesContext(true);
      try {
        expect(l.processors.map((p) => [p.lane, p.worker.name]).sort()).toEqual([
          [0, 'lane-0'],
          [1, 'lane-1'],
          [2, 'lane-2'],
        ]);
        expect(l.processors.every((p) => !p.worker.isRunning())).toBe(true);
      } finally {
        await l.close();
      }
    });

    it('a signalling process (API with Redis) has no processor and refuses to consume', async () => {
      const l = await lanesContext(false);
      try {
        expect(l.processors).toEqual([]);
        await expect(l.queue.consume(async () => undefined, 4)).rejects.toThrow(/signals lanes/);
      } finally {
        await l.close();
      }
    });

    it('a signal drains its lane; the lane is the queue’s, never what the job data says', async () => {
      const l = await lanesContext(true);
      const drained: number[] = [];
      const stop = await l.queue.consume(async (lane) => {
        drained.push(lane);
      }, 4);
      try {
        await l.queue.signal(1, 'req-1');
        await waitFor(async () => drained.includes(1) || undefined, 10000, 'lane 1 drained');
        // A job on lane 2's queue that claims to be lane 0's drains lane 2.
        const lane2 = l.ctx.get<Queue>(getQueueToken('lane-2'));
        await lane2.add('drain', { lane: 0 }, { jobId: 'forged' });
        await waitFor(async () => drained.includes(2) || undefined, 10000, 'lane 2 drained');
        expect(drained).not.toContain(0);
      } finally {
        await stop();
        await l.close();
      }
    });

    it('the relay delivers through its processor, ticked by one shared job scheduler', async () => {
      const receiver = await startReceiver();
      const t = await startTestApp({
        webhooks: new WebhookSettings(receiver.url, {}, 'relay-secret', 3, 2000, 100),
      });
      try {
        const relay = t.app.get(WebhookRelayProcessor);
        expect(relay.worker.name).toBe(RELAY_QUEUE);
        expect(relay.worker.isRunning()).toBe(true);
        const queue = t.app.get<Queue>(getQueueToken(RELAY_QUEUE));
        expect((await queue.getJobSchedulers()).map((s) => s.key)).toEqual(['relay']);
        const ledger = await t.http('POST', '/ledgers', { name: 'relay-proc' });
        expect(ledger.status).toBe(201);
        const id = (ledger.json as { ledger_id: string }).ledger_id;
        await waitFor(
          async () => receiver.received.some((r) => r.json.data.ledger_id === id) || undefined,
          15000,
          'ledger.created delivered',
        );
        // Redis loses everything (a restart without persistence): the relay gets its scheduler back.
        await deleteKeys(REDIS!, t.prefix);
        expect(await queue.getJobSchedulers()).toEqual([]);
        const later = await t.http('POST', '/ledgers', { name: 'relay-after-flush' });
        const laterId = (later.json as { ledger_id: string }).ledger_id;
        await waitFor(
          async () => receiver.received.some((r) => r.json.data.ledger_id === laterId) || undefined,
          20000,
          'ledger.created delivered after the flush',
        );
      } finally {
        await t.close();
        await receiver.close();
      }
    });
  });
}
