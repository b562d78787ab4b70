import { createHmac } from 'node:crypto';

/**
 * `X-Blnk-Signature` of webhooks and transaction hooks (reference §7.1, §7.2):
 * hex(HMAC-SHA256(server secret key, "<timestamp>.<raw body>")), the timestamp in unix seconds as
 * sent in `X-Blnk-Timestamp`, the body exactly the bytes sent.
 */
export function blnkSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}
