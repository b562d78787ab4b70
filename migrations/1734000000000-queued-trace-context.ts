import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context of the request that accepted queued work (`traceparent`, version 00),
 * so the worker's drain batch can link its span to the request's trace (docs/architecture.md,
 * "Tracing"). Written only while telemetry is on; NULL otherwise. A typed, checked column of the
 * engine's table, never the client's JSON: nothing here steers money, and nothing a client sends
 * can put text in it.
 */
export class QueuedTraceContext1734000000000 implements MigrationInterface {
  name = 'QueuedTraceContext1734000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE queued_work ADD COLUMN trace_parent TEXT NULL
        CONSTRAINT queued_work_trace_parent_w3c
        CHECK (trace_parent ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE queued_work DROP COLUMN trace_parent`);
  }
}
