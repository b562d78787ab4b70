import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { DatabaseProbe } from '../../application/ports/database-probe';

/**
 * The Prometheus registry of one process (GET /metrics of the API, the metrics listener of
 * `neraca workers`): its own registry, not prom-client's global one, so two servers in one
 * process (tests) do not share series. Process memory and CPU, this process's database pool,
 * and the shared queue and outbox, read when scraped (every process reports the same queue).
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(probe: DatabaseProbe) {
    collectDefaultMetrics({ register: this.registry, prefix: 'neraca_' });
    new Gauge({
      name: 'neraca_queue_depth',
      help: 'Queued work waiting, per lane',
      labelNames: ['lane'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const l of await probe.laneBacklog()) this.set({ lane: String(l.lane) }, l.depth);
      },
    });
    new Gauge({
      name: 'neraca_queue_oldest_age_seconds',
      help: 'Age of the oldest waiting queued work, per lane',
      labelNames: ['lane'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const l of await probe.laneBacklog())
          this.set({ lane: String(l.lane) }, l.oldestAgeSeconds);
      },
    });
    new Gauge({
      name: 'neraca_webhook_events',
      help: 'Outbox events (webhook deliveries) by outcome: pending, delivered, failed, skipped',
      labelNames: ['outcome'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [outcome, n] of Object.entries(await probe.webhookOutcomes()))
          this.set({ outcome }, n);
      },
    });
    new Gauge({
      name: 'neraca_db_pool_connections',
      help: "This process's database pool: max, total, idle, and requests waiting for one",
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const p = probe.poolUsage();
        for (const state of ['max', 'total', 'idle', 'waiting'] as const)
          this.set({ state }, p[state]);
      },
    });
  }
}
