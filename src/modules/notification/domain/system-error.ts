import { redactCredentials } from './slack-message';

/** An error text in an event is cut here: a message may quote megabytes. */
const MAX_ERROR_CHARS = 4000;

/**
 * The `data` of a `system.error` event, Blnk's shape (reference §7.1): the error and the time.
 * Credentials an error quotes (a DSN) never leave the server.
 */
export function systemErrorEvent(text: string, at: Date): { error: string; time: string } {
  let error = redactCredentials(text.slice(0, MAX_ERROR_CHARS * 2));
  if (error.length > MAX_ERROR_CHARS) error = `${error.slice(0, MAX_ERROR_CHARS)}…`;
  return { error, time: at.toISOString() };
}
