/** How webhooks are delivered; built from configuration by the composition root. */
export class WebhookSettings {
  constructor(
    /** notification.webhook.url: '' = no webhooks (events are kept as `skipped`). */
    readonly url: string = '',
    /** notification.webhook.headers, added last (they may override). */
    readonly headers: Record<string, string> = {},
    /** The server secret key: the HMAC key of X-Blnk-Signature ('' = unsigned, as Blnk). */
    readonly secret: string = '',
    /** Attempts before a delivery is marked failed (notification.webhook.max_attempts). */
    readonly maxAttempts: number = 25,
    /** Deadline of one attempt (notification.webhook.timeout). */
    readonly timeoutMs: number = 30_000,
    /** Delay before the first retry; later ones double, up to maxDelayMs. */
    readonly firstRetryMs: number = 5_000,
    readonly maxDelayMs: number = 3_600_000,
    /** How long delivered events are kept (notification.webhook.retention). */
    readonly retentionMs: number = 7 * 86_400_000,
    /** Deliveries in flight at once per process. */
    readonly concurrency: number = 20,
    /** How often the relay looks for due events when it found none. */
    readonly pollMs: number = 250,
  ) {}
}
