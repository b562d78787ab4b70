import { Injectable } from '@nestjs/common';
import type { AttemptResult } from '../../domain/hook-answer';
import { HookRequest, HookTimer, HookTransport } from '../../application/ports/hook-transport';

/**
 * One POST with the built-in `fetch`: the deadline covers connecting, the headers and reading the
 * answer (a hook that trickles its body out is cut off too); redirects are not followed; at most
 * `maxBodyBytes` of the answer are read, then the connection is let go.
 */
@Injectable()
export class FetchHookTransport extends HookTransport {
  async post(req: HookRequest): Promise<AttemptResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), req.timeoutMs);
    try {
      const res = await fetch(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        redirect: 'manual',
        signal: controller.signal,
      });
      const { text, tooLarge } = await readCapped(res, req.maxBodyBytes);
      return { kind: 'answer', status: res.status, body: text, tooLarge };
    } catch (e) {
      if (controller.signal.aborted) {
        return { kind: 'timeout', error: `timed out after ${req.timeoutMs} ms` };
      }
      return { kind: 'unreachable', error: transportError(e) };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The first `max` bytes of the answer as text, and whether there was more. */
async function readCapped(
  res: Response,
  max: number,
): Promise<{ text: string; tooLarge: boolean }> {
  if (!res.body) return { text: '', tooLarge: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return { text: '', tooLarge: true };
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), tooLarge: false };
}

/** What went wrong, without the stack: `ECONNREFUSED`, `ENOTFOUND`, a TLS error. */
function transportError(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return e instanceof Error ? e.message : String(e);
}

/** Real waits and real jitter. */
export class SystemHookTimer extends HookTimer {
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  random(): number {
    return Math.random();
  }
}
