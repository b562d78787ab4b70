/** One notice to operators, after the throttle let it through. */
export interface Notice {
  /** What was being done and the error (`context: message`). */
  text: string;
  at: Date;
  /** Repeats of this error held back since the last notice of it. */
  suppressed: number;
  /**
   * Whether it may become a `system.error` webhook event: not for a failure to deliver a
   * `system.error` event itself, which would feed the channel that failed.
   */
  asEvent: boolean;
}

/** Port: where notices go (Slack, `system.error` events). A failure is the channel's to log. */
export abstract class NoticeChannel {
  /** Sends `notice`; gives up when `closing` aborts (shutdown). Never rejects. */
  abstract send(notice: Notice, closing: AbortSignal): Promise<void>;
}
