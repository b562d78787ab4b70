import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { NoticeThrottle, noticeKind } from '../domain/notice-throttle';
import { ErrorNotifier, NoticeOptions } from './ports/error-notifier';
import { NoticeChannel } from './ports/notice-channel';

/** Notices still being sent at most; beyond it a notice is dropped (a channel hanging). */
const MAX_IN_FLIGHT = 8;

/**
 * The error notifier: one throttle (at most one notice per distinct error per window) in front
 * of every channel (Slack, `system.error` webhook events). Fire-and-forget: `notify` returns at
 * once and never throws; a channel's failure is logged by it and never retried (as Blnk). Each
 * notice the throttle admits is logged at error level too.
 */
export class OperatorNotifier extends ErrorNotifier implements OnApplicationShutdown {
  private readonly logger = new Logger('Notices');
  private readonly throttle: NoticeThrottle;
  private readonly pending = new Set<Promise<void>>();
  private readonly closing = new AbortController();

  constructor(
    private readonly channels: NoticeChannel[],
    windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.throttle = new NoticeThrottle(windowMs);
  }

  notify(error: unknown, context?: string, options: NoticeOptions = {}): void {
    try {
      const message = messageOf(error);
      const text = context ? `${context}: ${message}` : message;
      const decision = this.throttle.admit(noticeKind(text), this.now());
      if (!decision.send || this.closing.signal.aborted) return;
      // Every admitted notice is also in the log, for operators without Slack or webhooks.
      this.logger.error(text);
      if (this.pending.size >= MAX_IN_FLIGHT) {
        this.logger.warn('notice dropped: too many notices still being sent');
        return;
      }
      const notice = {
        text,
        at: new Date(this.now()),
        suppressed: decision.suppressed,
        asEvent: options.asEvent ?? true,
      };
      const sent = Promise.allSettled(
        this.channels.map((c) => c.send(notice, this.closing.signal)),
      ).then(() => undefined);
      const tracked = sent.finally(() => this.pending.delete(tracked));
      this.pending.add(tracked);
    } catch (e) {
      // Nothing of a notice may reach the caller, whatever the error object was.
      this.logger.warn(`notice not sent: ${messageOf(e)}`);
    }
  }

  /** Resolves when every notice started so far has been sent or given up (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing.abort();
    await this.idle();
  }
}

/** Duck-typed: errors of fetch come from another realm under a test runner (not instanceof Error). */
export function messageOf(error: unknown): string {
  if (typeof error === 'string') return error;
  try {
    const e = error as { message?: unknown; name?: unknown } | null;
    if (e && typeof e.message === 'string' && e.message) return e.message;
    if (e && typeof e.name === 'string' && e.name) return e.name;
    return String(error);
  } catch {
    return 'unknown error';
  }
}
