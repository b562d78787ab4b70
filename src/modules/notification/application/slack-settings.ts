/** `notification.slack.*` (reference §10.2 and Neraca's keys, docs/operations.md). */
export class SlackSettings {
  constructor(
    /** Incoming-webhook URL; '' = no notices. A secret: never logged. */
    readonly webhookUrl = '',
    /** Per-request timeout. */
    readonly timeoutMs = 5_000,
    /** At most one notice per distinct error in this window; 0 = no limit. */
    readonly rateLimitWindowMs = 60_000,
  ) {}
}
