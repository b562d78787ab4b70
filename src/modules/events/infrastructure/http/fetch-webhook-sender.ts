import { Injectable } from '@nestjs/common';
import { WebhookSender } from '../../application/ports/webhook-sender';
import type { AttemptResult } from '../../domain/webhook';

/** Most of a receiver's answer that is read (and thrown away): its status is what counts. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** One POST with `fetch`, a deadline, no redirects followed (a 3xx is not a delivery). */
@Injectable()
export class FetchWebhookSender extends WebhookSender {
  async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<AttemptResult> {
    const target = requestTarget(url, headers);
    if (!target) return { error: 'the webhook URL (notification.webhook.url) is not a URL' };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: target.headers,
        body,
        redirect: 'manual',
        signal: controller.signal,
      });
      await drain(res);
      return { status: res.status };
    } catch (e) {
      if (controller.signal.aborted) return { error: `timed out after ${timeoutMs} ms` };
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const error = cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
      // Stored, listed by GET /webhook-deliveries and sent to Slack: never the URL itself.
      return {
        error: error.split(target.url).join('<webhook URL>').split(url).join('<webhook URL>'),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The URL fetch is given and the headers sent. User info in the URL (`https://user:pw@host/`,
 * which Blnk's Go client sends as Basic authorization) becomes `Authorization: Basic` unless the
 * configured headers set one, as Go does; fetch refuses a URL with credentials (and its error
 * would quote them). Undefined when the URL does not parse.
 */
function requestTarget(
  url: string,
  headers: Record<string, string>,
): { url: string; headers: Record<string, string> } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!parsed.username && !parsed.password) return { url, headers };
  const credentials = `${decoded(parsed.username)}:${decoded(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  const authorized = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
  return {
    url: parsed.href,
    headers: authorized
      ? headers
      : { ...headers, authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
  };
}

/** Percent-decoded as Go's URL.User does; a malformed escape is kept as written. */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Reads at most MAX_ANSWER_BYTES of the answer, then lets the connection go. */
async function drain(res: Response): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
      if (read > MAX_ANSWER_BYTES) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // The status is known already; a broken answer body does not change it.
  }
}
