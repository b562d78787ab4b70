import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { ErrorNotifier } from '../../application/ports/error-notifier';
import type { SlackSettings } from '../../application/slack-settings';
import { NoticeThrottle, noticeKind } from '../../domain/notice-throttle';
import { slackErrorMessage } from '../../domain/slack-message';

/** Posts waiting for Slack at most; beyond it a notice is dropped (Slack hanging, many errors). */
const MAX_IN_FLIGHT = 8;

/**
 * Error notices to a Slack incoming webhook, with the built-in fetch (`@slack/webhook` is what
 * the design names; it is not a dependency here, and what it would add, a POST of JSON, is this).
 * Fire-and-forget: `notify` returns at once, each post has a timeout, a failure is logged and
 * never retried (as Blnk), and the throttle holds back repeats of one error.
 */
export class SlackErrorNotifier extends ErrorNotifier implements OnApplicationShutdown {
  private readonly logger = new Logger('Slack');
  private readonly throttle: NoticeThrottle;
  private readonly pending = new Set<Promise<void>>();
  private readonly closing = new AbortController();

  constructor(
    private readonly settings: SlackSettings,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.throttle = new NoticeThrottle(settings.rateLimitWindowMs);
  }

  notify(error: unknown, context?: string): void {
    try {
      const message = messageOf(error);
      const text = context ? `${context}: ${message}` : message;
      const decision = this.throttle.admit(noticeKind(text), this.now());
      if (!decision.send || this.closing.signal.aborted) return;
      if (this.pending.size >= MAX_IN_FLIGHT) {
        this.logger.warn('Slack notice dropped: too many posts still waiting for Slack');
        return;
      }
      const body = JSON.stringify(
        slackErrorMessage(text, new Date(this.now()), decision.suppressed),
      );
      const post = this.post(body).finally(() => this.pending.delete(post));
      this.pending.add(post);
    } catch (e) {
      // Nothing of a notice may reach the caller, whatever the error object was.
      this.logger.warn(`Slack notice not sent: ${messageOf(e)}`);
    }
  }

  /** Resolves when every post started so far has ended (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing.abort();
    await this.idle();
  }

  private async post(body: string): Promise<void> {
    // A controller of its own, not AbortSignal.any(): on Node 20 a combined signal can be
    // collected while fetch waits, and its timeout then never fires (a hanging Slack held the
    // post for good). The timer keeps this one alive.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(named('TimeoutError')), this.settings.timeoutMs);
    timer.unref(); // a notice never keeps a stopping process alive
    const onClose = () => abort.abort(named('AbortError'));
    this.closing.signal.addEventListener('abort', onClose, { once: true });
    try {
      const res = await fetch(this.settings.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: abort.signal,
      });
      await res.body?.cancel();
      if (!res.ok) this.logger.warn(`Slack notice refused: HTTP ${res.status}`);
    } catch (e) {
      // The URL is a secret: only the reason is logged.
      this.logger.warn(`Slack notice not delivered: ${reasonOf(e)}`);
    } finally {
      clearTimeout(timer);
      this.closing.signal.removeEventListener('abort', onClose);
    }
  }
}

/** Duck-typed: errors of fetch come from another realm under a test runner (not instanceof Error). */
function messageOf(error: unknown): string {
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

function named(name: string): Error {
  const e = new Error(name === 'TimeoutError' ? 'timed out' : 'aborted at shutdown');
  e.name = name;
  return e;
}

function reasonOf(e: unknown): string {
  const err = e as { name?: unknown; cause?: { code?: unknown } } | null;
  if (err?.name === 'TimeoutError') return 'timed out';
  if (err?.name === 'AbortError') return 'aborted at shutdown';
  return typeof err?.cause?.code === 'string' ? err.cause.code : messageOf(e);
}
