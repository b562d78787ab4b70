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
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: controller.signal,
      });
      await drain(res);
      return { status: res.status };
    } catch (e) {
      if (controller.signal.aborted) return { error: `timed out after ${timeoutMs} ms` };
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      return {
        error: cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e)),
      };
    } finally {
      clearTimeout(timer);
    }
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
