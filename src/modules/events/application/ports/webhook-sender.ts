import type { AttemptResult } from '../../domain/webhook';

/** Port: one HTTP POST of a webhook, with a deadline. Never throws: errors are results. */
export abstract class WebhookSender {
  abstract post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<AttemptResult>;
}
