/** Slack's limit on the text of one section field is 2000 characters. */
const MAX_ERROR_CHARS = 1900;

/** Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Credentials in a URL an error message quotes (a DSN) are not posted to a chat channel. */
export function redactCredentials(text: string): string {
  return (
    text
      .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@\s/]*@/gi, '$1:***@')
      // A URL cut inside its password (the text was shortened) keeps no part of it either.
      .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@\s/]*$/i, '$1:***')
  );
}

/**
 * Blnk's error notice (reference §7.1: `Error From Blnk 🐞`, the error, the time) under Neraca's
 * name, as Slack Block Kit. `text` is the fallback Slack shows in notifications.
 */
export function slackErrorMessage(error: string, time: Date, suppressed = 0): object {
  // Cut before the regular expressions run: an error may quote megabytes.
  let text = escapeMrkdwn(redactCredentials(error.slice(0, MAX_ERROR_CHARS * 2)));
  if (text.length > MAX_ERROR_CHARS) text = `${text.slice(0, MAX_ERROR_CHARS)}…`;
  const blocks: object[] = [
    { type: 'section', text: { type: 'mrkdwn', text: '*Error From Neraca* 🐞' } },
    { type: 'divider' },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Error:*\n${text}` },
        { type: 'mrkdwn', text: `*Time:*\n${time.toISOString()}` },
      ],
    },
  ];
  if (suppressed > 0) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${suppressed} more like this since the last notice were not posted.`,
        },
      ],
    });
  }
  return { text: 'Error From Neraca 🐞', blocks };
}
