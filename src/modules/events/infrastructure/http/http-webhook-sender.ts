import { Injectable, OnModuleDestroy } from '@nestjs/common';
import {
  Agent as HttpAgent,
  ClientRequest,
  IncomingMessage,
  request as httpRequest,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { WebhookSender } from '../../application/ports/webhook-sender';
import type { AttemptResult } from '../../domain/webhook';

/** Most of a receiver's answer that is read (and thrown away): its status is what counts. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * How long a kept-alive connection may sit idle before it is closed. Below the 5 s that Node's
 * and most servers' keep-alive timeouts default to, so a POST is not sent on a connection the
 * receiver is closing at that moment.
 */
const IDLE_SOCKET_MS = 4_000;

/** Headers the client itself manages on a kept-alive connection; a configured value is dropped. */
const MANAGED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/**
 * One POST on `node:http` / `node:https` with kept-alive connections, a deadline over the whole
 * attempt (answer included), no redirects followed (a 3xx is not a delivery).
 *
 * Not `fetch`: the bench's profiles (bench/RESULTS.md, "Run F") put the worker's `fetch` per event
 * (its Request, Headers, AbortSignal and web-stream objects) at about a fifth of the worker's CPU
 * per transfer; a plain request does the same exchange with a fraction of those objects.
 */
@Injectable()
export class HttpWebhookSender extends WebhookSender implements OnModuleDestroy {
  private readonly http = new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
  private readonly https = new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS });

  onModuleDestroy(): void {
    this.http.destroy();
    this.https.destroy();
  }

  async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<AttemptResult> {
    const target = requestTarget(url, headers);
    if (!target) return { error: 'the webhook URL (notification.webhook.url) is not a URL' };
    if (target.url.protocol !== 'http:' && target.url.protocol !== 'https:') {
      return { error: `the webhook URL's scheme (${target.url.protocol}) is not http or https` };
    }
    const deadline = Date.now() + timeoutMs;
    let result = await this.attempt(target, body, timeoutMs);
    // A kept-alive connection the receiver closed (reset) as it was reused, before any answer:
    // the POST goes once more on a new connection, within the deadline, instead of waiting for the
    // first retry. Deliveries are at least once anyway, under the same X-Blnk-Event-Id.
    if ('stale' in result && Date.now() < deadline) {
      result = await this.attempt(target, body, deadline - Date.now());
    }
    if ('stale' in result) result = { error: result.error };
    if ('error' in result) return { error: redacted(result.error, url, target.url.href) };
    return result;
  }

  private attempt(
    target: { url: URL; headers: Record<string, string> },
    body: string,
    timeoutMs: number,
  ): Promise<AttemptResult | { error: string; stale: true }> {
    return new Promise((resolve) => {
      let req: ClientRequest | undefined;
      let settled = false;
      const done = (r: AttemptResult | { error: string; stale: true }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        done({ error: `timed out after ${timeoutMs} ms` });
        req?.destroy();
      }, timeoutMs);
      const https = target.url.protocol === 'https:';
      try {
        req = (https ? httpsRequest : httpRequest)(
          target.url,
          {
            method: 'POST',
            agent: https ? this.https : this.http,
            headers: { ...target.headers, 'content-length': String(Buffer.byteLength(body)) },
          },
          (res) => drain(res, (status) => done({ status })),
        );
      } catch (e) {
        // A header value or URL node:http refuses before sending (a newline in a header, a port
        // out of range).
        done({ error: message(e) });
        return;
      }
      const sent = req;
      sent.on('error', (e: NodeJS.ErrnoException) => {
        const error = e.code ?? message(e);
        done(sent.reusedSocket && e.code === 'ECONNRESET' ? { error, stale: true } : { error });
      });
      sent.end(body);
    });
  }
}

/**
 * Reads at most MAX_ANSWER_BYTES of the answer, then calls back with its status and lets the
 * connection go (destroyed when the answer was longer, so it is never reused mid-answer). A broken
 * answer body does not change the status.
 */
function drain(res: IncomingMessage, done: (status: number) => void): void {
  const status = res.statusCode ?? 0;
  let read = 0;
  res.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > MAX_ANSWER_BYTES) {
      res.destroy();
      done(status);
    }
  });
  res.on('end', () => done(status));
  res.on('error', () => done(status));
  // Closed before its end (the receiver went away mid-answer): the status stands.
  res.on('close', () => done(status));
}

/**
 * The URL and the headers sent. User info in the URL (`https://user:pw@host/`, which Blnk's Go
 * client sends as Basic authorization) becomes `Authorization: Basic` unless the configured
 * headers set one, as Go does; it is never sent in the URL. Headers the connection manages are not
 * taken from the configuration. Undefined when the URL does not parse.
 */
function requestTarget(
  url: string,
  headers: Record<string, string>,
): { url: URL; headers: Record<string, string> } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const sent: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!MANAGED.has(k.toLowerCase())) sent[k] = v;
  if (!parsed.username && !parsed.password) return { url: parsed, headers: sent };
  const credentials = `${decoded(parsed.username)}:${decoded(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  const authorized = Object.keys(sent).some((h) => h.toLowerCase() === 'authorization');
  if (!authorized) sent.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  return { url: parsed, headers: sent };
}

/** Percent-decoded as Go's URL.User does; a malformed escape is kept as written. */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function message(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
}

/**
 * Stored, listed by GET /webhook-deliveries and sent to Slack: never the URL itself, in any of the
 * forms an error message could quote it.
 */
function redacted(error: string, ...urls: string[]): string {
  let out = error;
  for (const u of urls) if (u) out = out.split(u).join('<webhook URL>');
  return out;
}
