import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { stringifyJson } from '@libs/core/json';
import { blnkSignature } from '@libs/core/blnk-signature';
import { ErrorNotifier } from '../../notification/application/ports/error-notifier';
import { OutboxEvent, retryDelayMs, succeeded } from '../domain/webhook';
import { ChangeReactions, INTERNAL_ENTITIES } from './ports/change-reactions';
import { EventPayloads } from './ports/event-payloads';
import { OutboxRepository } from './ports/outbox.repository';
import { WebhookSender } from './ports/webhook-sender';
import { WebhookSettings } from './webhook-settings';

/** No attempt was ever recorded: not delivered, failed, retried or skipped before. */
const neverAttempted = (e: OutboxEvent) =>
  e.attempts === 0 && e.lastStatus === null && e.lastError === null;

/** Extra time a lease outlives one attempt's deadline, so a slow attempt is never taken twice. */
const LEASE_MARGIN_MS = 60_000;

/**
 * Delivers the outbox after commit: takes due events under a lease (so several worker processes
 * never deliver one event at the same time), POSTs each to `notification.webhook.url` outside any
 * database transaction, and records the outcome: delivered, retried later with backoff, or failed
 * after `maxAttempts`. An event whose delivery outcome was lost (a crash between the POST and the
 * record) is delivered again when its lease expires, with the same `X-Blnk-Event-Id`.
 */
@Injectable()
export class WebhookRelay {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly sender: WebhookSender,
    private readonly payloads: EventPayloads,
    private readonly settings: WebhookSettings,
    private readonly clock: Clock,
    private readonly notifier: ErrorNotifier,
    private readonly reactions: ChangeReactions,
  ) {}

  /** The jitter source (tests make it deterministic). */
  random: () => number = Math.random;

  /** One round: delivers what is due; returns how many events it took. */
  async deliverDue(): Promise<number> {
    const s = this.settings;
    const now = this.clock.now();
    // Without a URL nothing is sent: events are only evaluated and marked, many at a time.
    const events = await this.outbox.claim(
      s.url ? s.concurrency : 500,
      now,
      new Date(now.getTime() + s.timeoutMs + LEASE_MARGIN_MS),
    );
    if (!events.length) return 0;
    const internal = events.filter((e) => INTERNAL_ENTITIES.has(e.entity));
    const outgoing = events.filter((e) => !INTERNAL_ENTITIES.has(e.entity));
    for (const e of internal) await this.evaluate(e);
    // Once per event, before its first attempt (never on a retry or an operator's redelivery,
    // which keep the last outcome; after a crash mid-round possibly twice, as hooks are
    // at-least-once): what else follows a committed change, e.g. POST_TRANSACTION hooks.
    for (const e of outgoing) if (neverAttempted(e)) this.observe(e);
    if (!s.url) {
      if (outgoing.length) await this.outbox.markSkipped(outgoing.map((e) => e.seq));
      return events.length;
    }
    const delivered = (await Promise.all(outgoing.map((e) => this.deliver(e)))).filter(
      (d) => d !== undefined,
    );
    // One statement for the round's successes (a crash before it redelivers them, same ids).
    await this.outbox.markDelivered(delivered, this.clock.now());
    return events.length;
  }

  private observe(e: OutboxEvent): void {
    try {
      this.reactions.observe(e.event, e.entity, e.snapshot);
    } catch (err) {
      this.logger.warn(`observing ${e.event} ${e.eventId} failed: ${String(err)}`);
    }
  }

  /**
   * An internal event (a balance change): the events it gives rise to (monitors that fire) are
   * appended with marking it done. A failure leaves it pending: its lease expires and it is
   * evaluated again.
   */
  private async evaluate(e: OutboxEvent): Promise<void> {
    try {
      await this.outbox.complete(e.seq, await this.reactions.react(e.entity, e.snapshot));
    } catch (err) {
      this.logger.warn(
        `evaluating ${e.event} ${e.eventId} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** Deletes delivered and skipped events older than the retention. */
  prune(): Promise<number> {
    return this.outbox.prune(new Date(this.clock.now().getTime() - this.settings.retentionMs));
  }

  /** The exact request of one event (body and headers), as receivers get it. */
  async request(
    e: OutboxEvent,
    timestamp: number,
  ): Promise<{ body: string; headers: Record<string, string> }> {
    const data = await this.payloads.payload(e.entity, e.snapshot);
    const body = stringifyJson({ event: e.event, data });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-blnk-event-id': e.eventId,
      'x-blnk-timestamp': String(timestamp),
    };
    if (this.settings.secret) {
      headers['x-blnk-signature'] = blnkSignature(this.settings.secret, timestamp, body);
    }
    return { body, headers: { ...headers, ...this.settings.headers } };
  }

  /** One attempt; a success is returned to be recorded with the round's, a failure is recorded. */
  private async deliver(e: OutboxEvent): Promise<{ seq: string; status: number } | undefined> {
    const s = this.settings;
    let result;
    try {
      const { body, headers } = await this.request(
        e,
        Math.floor(this.clock.now().getTime() / 1000),
      );
      result = await this.sender.post(s.url, headers, body, s.timeoutMs);
    } catch (err) {
      // A payload that cannot be built (a snapshot the presenter refuses): retried like a failed
      // attempt, so it ends failed and visible instead of blocking the ones after it.
      result = { error: err instanceof Error ? err.message : String(err) };
    }
    const now = this.clock.now();
    if (succeeded(result)) return { seq: e.seq, status: (result as { status: number }).status };
    const attempts = e.attempts + 1;
    const error = 'error' in result ? result.error : `HTTP ${result.status}`;
    const status = 'status' in result ? result.status : null;
    if (attempts >= s.maxAttempts) {
      await this.outbox.markAttemptFailed(e.seq, error, status, { failed: true });
      const message = `webhook ${e.event} ${e.eventId} failed after ${attempts} attempts: ${error}`;
      this.logger.error(message);
      // A system.error event that cannot be delivered is not reported as another one.
      this.notifier.notify(message, 'webhook delivery', { asEvent: e.event !== 'system.error' });
      return undefined;
    }
    const delay = retryDelayMs(attempts, s.firstRetryMs, s.maxDelayMs, this.random());
    await this.outbox.markAttemptFailed(e.seq, error, status, {
      nextAttemptAt: new Date(now.getTime() + delay),
    });
    this.logger.warn(
      `webhook ${e.event} ${e.eventId} attempt ${attempts} failed (${error}); retry in ${delay} ms`,
    );
    return undefined;
  }
}
