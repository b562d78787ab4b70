/**
 * How often internal-error notices may go out, so an outage (a database down, every lane failing
 * each second) posts one message per distinct error per window instead of flooding the channel.
 * Pure: the caller passes the time.
 */
export interface ThrottleDecision {
  send: boolean;
  /** Notices of the same kind held back since the last one of that kind was sent. */
  suppressed: number;
}

interface KindState {
  lastSent: number;
  suppressed: number;
}

/** Kinds remembered at most; beyond it the least recently sent ones are forgotten first. */
const MAX_KINDS = 1000;

export class NoticeThrottle {
  private readonly kinds = new Map<string, KindState>();
  private recent: number[] = [];

  /**
   * @param windowMs at most one notice per kind in this window; 0 turns the throttle off.
   * @param maxPerWindow at most this many notices of all kinds together per window, for an
   * outage whose errors all differ.
   */
  constructor(
    private readonly windowMs: number,
    private readonly maxPerWindow = 20,
  ) {}

  admit(kind: string, now: number): ThrottleDecision {
    if (this.windowMs <= 0) return { send: true, suppressed: 0 };
    const state = this.kinds.get(kind);
    this.recent = this.recent.filter((t) => now - t < this.windowMs);
    const tooSoon = state !== undefined && now - state.lastSent < this.windowMs;
    if (tooSoon || this.recent.length >= this.maxPerWindow) {
      if (state) state.suppressed++;
      else this.remember(kind, { lastSent: -Infinity, suppressed: 1 });
      return { send: false, suppressed: 0 };
    }
    const suppressed = state?.suppressed ?? 0;
    this.remember(kind, { lastSent: now, suppressed: 0 });
    this.recent.push(now);
    return { send: true, suppressed };
  }

  private remember(kind: string, state: KindState): void {
    this.kinds.delete(kind); // re-inserted last: the Map's order is the order of use
    if (this.kinds.size >= MAX_KINDS) {
      const oldest = this.kinds.keys().next().value;
      if (oldest !== undefined) this.kinds.delete(oldest);
    }
    this.kinds.set(kind, state);
  }
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const NUMBER = /\d+/g;

/**
 * The kind of an error message: the text with ids and numbers masked, so "lane 3 failed for
 * txn_<uuid>" and "lane 7 failed for txn_<other uuid>" count as one error.
 */
export function noticeKind(message: string): string {
  return message.slice(0, 500).replace(UUID, '<id>').replace(NUMBER, '#');
}
