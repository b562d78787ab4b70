import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DatabaseProbe } from '../../application/ports/database-probe';

/**
 * The Prometheus registry of one HTTP application (GET /metrics): its own registry, not
 * prom-client's global one, so two servers in one process (tests) do not share series.
 * Request durations are observed by a Fastify `onResponse` hook; the queue, the outbox and the
 * pool are read when scraped, so every API process reports the same shared queue.
 */
@Injectable()
export class HttpMetrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(probe: DatabaseProbe) {
    collectDefaultMetrics({ register: this.registry, prefix: 'neraca_' });
    this.duration = new Histogram({
      name: 'neraca_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
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

  register(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (req, reply, done) => {
      this.observe(req, reply);
      done();
    });
  }

  private observe(req: FastifyRequest, reply: FastifyReply): void {
    // The route's pattern, never the path: ids in paths would make a series per entity.
    const route = req.routeOptions.url ?? 'unmatched';
    this.duration.observe(
      { method: req.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  }
}
