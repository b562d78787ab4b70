/**
 * The last net under free text that reaches a log line (a message, an error's message or stack):
 * what logs is chosen field by field (request-logging.ts), but a message may quote a URL or a
 * connection string an operator configured, and their secrets must not reach a log collector.
 *
 * - the password of a URL's user info (`postgres://user:secret@host`, `redis://:secret@host`);
 * - `password=`, `secret=`, `token=`, `key=` pairs (libpq's `host=... password=...`, query strings);
 * - the path of a Slack incoming webhook, which is its secret.
 */
const USERINFO_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#@]*@/gi;
const SECRET_PAIR =
  /\b((?:pass(?:word)?|pwd|secret|token|api[_-]?key|key|sig(?:nature)?)=)[^&\s"']+/gi;
const SLACK_HOOK = /\b(hooks\.slack\.com\/services\/)[^\s"']+/gi;

export function redactSecrets(text: string): string {
  if (!text.includes('=') && !text.includes('@') && !text.includes('hooks.slack.com')) return text;
  return text
    .replace(USERINFO_PASSWORD, '$1:***@')
    .replace(SECRET_PAIR, '$1***')
    .replace(SLACK_HOOK, '$1***');
}
