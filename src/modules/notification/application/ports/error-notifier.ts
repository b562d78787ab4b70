/**
 * Port: tells operators about an internal error (a failed drain, a sweep, a delivery that ran
 * out of attempts) outside the request that met it: Slack when `notification.slack.webhook_url`
 * is set, and a `system.error` webhook event when `notification.webhook.url` is.
 */
export abstract class ErrorNotifier {
  /**
   * Reports `error` (an Error or a message), with what was being done (`context`). Returns at
   * once and never throws: sending happens in the background, its failures are only logged, and
   * repeats of one error are held back (rate limit).
   */
  abstract notify(error: unknown, context?: string, options?: NoticeOptions): void;
}

export interface NoticeOptions {
  /** false: not a `system.error` event (a failure to deliver one). Default true. */
  asEvent?: boolean;
}

/** No channel configured: notices go nowhere (the caller has logged the error already). */
export class NoopErrorNotifier extends ErrorNotifier {
  notify(): void {}
}
