import { Logger } from '@nestjs/common';
import type { Notice } from '../../application/ports/notice-channel';
import { NoticeChannel } from '../../application/ports/notice-channel';
import { messageOf } from '../../application/operator-notifier';
import type { SlackSettings } from '../../application/slack-settings';
import { slackErrorMessage } from '../../domain/slack-message';

/**
 * Notices to a Slack incoming webhook, with the built-in fetch (`@slack/webhook` is what the
 * design names; it is not a dependency here, and what it would add, a POST of JSON, is this).
 * Each post has a timeout; a failure is logged and never retried (as Blnk).
 */
export class SlackChannel extends NoticeChannel {
  private readonly logger = new Logger('Slack');

  constructor(private readonly settings: SlackSettings) {
    super();
  }

  async send(notice: Notice, closing: AbortSignal): Promise<void> {
    const body = JSON.stringify(slackErrorMessage(notice.text, notice.at, notice.suppressed));
    // A controller of its own, not AbortSignal.any(): on Node 20 a combined signal can be
    // collected while fetch waits, and its timeout then never fires (a hanging Slack held the
    // post for good). The timer keeps this one alive.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(named('TimeoutError')), this.settings.timeoutMs);
    timer.unref(); // a notice never keeps a stopping process alive
    const onClose = () => abort.abort(named('AbortError'));
    if (closing.aborted) onClose();
    closing.addEventListener('abort', onClose, { once: true });
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
      closing.removeEventListener('abort', onClose);
    }
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
