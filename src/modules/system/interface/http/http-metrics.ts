import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Histogram, Registry } from 'prom-client';
import { MetricsRegistry } from '../../infrastructure/prometheus/metrics-registry';

/**
 * GET /metrics of an HTTP application: the process's registry (`MetricsRegistry`) plus request
 * durations, observed by a Fastify `onResponse` hook.
 */
@Injectable()
export class HttpMetrics {
  readonly registry: Registry;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(metrics: MetricsRegistry) {
    this.registry = metrics.registry;
    this.duration = new Histogram({
      name: 'neraca_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
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
